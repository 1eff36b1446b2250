#include "ui/bundle/atomic_file_device.h"

#include "core/util/atomic_file.h"
#include "core/util/error.h"

namespace lieq::ui::bundle {

AtomicFileDevice::AtomicFileDevice(const std::string &path) : m_file(std::make_unique<AtomicFile>(path))
{
    QIODevice::open(QIODevice::WriteOnly);
}

AtomicFileDevice::~AtomicFileDevice() = default;

const std::string &AtomicFileDevice::path() const { return m_file->path(); }

qint64 AtomicFileDevice::writeData(const char *data, qint64 len)
{
    if (!m_error.empty())
        return -1;
    try {
        m_file->write(data, std::size_t(len));
        return len;
    } catch (const std::exception &e) {
        m_error = e.what();
        setErrorString(QString::fromStdString(m_error));
        return -1;
    }
}

void AtomicFileDevice::commit()
{
    if (!m_error.empty())
        throw Error(m_error);
    QIODevice::close();
    m_file->commit();
}

} // namespace lieq::ui::bundle
