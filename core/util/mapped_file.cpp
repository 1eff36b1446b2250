#include "core/util/mapped_file.h"

#include "core/util/error.h"
#include "core/util/mapping_guard.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace lieq {

MappedFile::MappedFile(const std::string &path) : m_path(path)
{
    // O_NONBLOCK: opening a FIFO in a model folder must not wait for a writer (it is refused
    // below as not a regular file); regular files ignore the flag.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        throw Error(path, std::string("cannot open: ") + std::strerror(errno));
    struct stat st{};
    if (::fstat(fd, &st) != 0) {
        const int e = errno;
        ::close(fd);
        throw Error(path, std::string("cannot stat: ") + std::strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        throw Error(path, "not a regular file");
    }
    m_size = static_cast<std::size_t>(st.st_size);
    if (m_size > 0) {
        void *p = ::mmap(nullptr, m_size, PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
            const int e = errno;
            ::close(fd);
            throw Error(path, std::string("cannot map: ") + std::strerror(e));
        }
        m_data = static_cast<const std::byte *>(p);
        m_guard = MappingGuard::add(m_data, m_size, m_path);
    }
    ::close(fd);
}

bool MappedFile::changedOnDisk() const { return MappingGuard::changed(m_guard); }

MappedFile::~MappedFile() { reset(); }

MappedFile::MappedFile(MappedFile &&other) noexcept
    : m_path(std::move(other.m_path)), m_data(std::exchange(other.m_data, nullptr)),
      m_size(std::exchange(other.m_size, 0)), m_guard(std::exchange(other.m_guard, -1))
{
}

MappedFile &MappedFile::operator=(MappedFile &&other) noexcept
{
    if (this != &other) {
        reset();
        m_path = std::move(other.m_path);
        m_data = std::exchange(other.m_data, nullptr);
        m_size = std::exchange(other.m_size, 0);
        m_guard = std::exchange(other.m_guard, -1);
    }
    return *this;
}

void MappedFile::reset()
{
    MappingGuard::remove(m_guard); // before unmapping: the range may be reused at once
    m_guard = -1;
    if (m_data)
        ::munmap(const_cast<std::byte *>(m_data), m_size);
    m_data = nullptr;
    m_size = 0;
}

void MappedFile::dropPages(std::size_t offset, std::size_t length) const
{
    if (!m_data || offset >= m_size)
        return;
    const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    const std::size_t begin = (offset / page) * page;
    const std::size_t end = std::min(m_size, offset + length);
    ::madvise(const_cast<std::byte *>(m_data) + begin, end - begin, MADV_DONTNEED);
}

} // namespace lieq
