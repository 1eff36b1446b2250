#pragma once

#include <QIODevice>

#include <memory>
#include <string>

namespace lieq {
class AtomicFile;
}

namespace lieq::ui::bundle {

// A write-only, sequential QIODevice over lieq::AtomicFile, so that writers which want a
// QIODevice (QuaZip) still write under a temporary name that is renamed only by commit().
// A failed write (full disk) is not thrown through the caller's C code: writeData returns -1
// and error() keeps lieq::Error's message for the caller to rethrow.
class AtomicFileDevice : public QIODevice
{
public:
    explicit AtomicFileDevice(const std::string &path); // throws lieq::Error naming the file
    ~AtomicFileDevice() override;                        // discards unless committed

    bool isSequential() const override { return true; }
    void commit();                                       // throws lieq::Error
    const std::string &error() const { return m_error; }
    const std::string &path() const;

protected:
    qint64 readData(char *, qint64) override { return -1; }
    qint64 writeData(const char *data, qint64 len) override;

private:
    std::unique_ptr<AtomicFile> m_file;
    std::string m_error;
};

} // namespace lieq::ui::bundle
