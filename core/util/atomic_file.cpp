#include "core/util/atomic_file.h"

#include "core/util/error.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace lieq {

namespace {
constexpr std::size_t kBufferSize = 1 << 20;

std::string dirOf(const std::string &path)
{
    const auto slash = path.find_last_of('/');
    if (slash == std::string::npos)
        return ".";
    if (slash == 0)
        return "/";
    return path.substr(0, slash);
}

// Writes all `size` bytes (retrying short writes and EINTR); 0, or the errno of the failure.
int writeAll(int fd, const char *p, std::size_t size)
{
    while (size > 0) {
        const ssize_t n = ::write(fd, p, size);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        p += n;
        size -= static_cast<std::size_t>(n);
    }
    return 0;
}
} // namespace

AtomicFile::AtomicFile(std::string path) : m_path(std::move(path))
{
    std::string tmpl = m_path + ".tmp.XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    m_fd = ::mkstemp(buf.data());
    if (m_fd < 0)
        throw Error(m_path, std::string("cannot create temporary file: ") + std::strerror(errno));
    m_tmpPath = buf.data();
    ::fchmod(m_fd, 0644);
    m_buffer.reserve(kBufferSize);
}

AtomicFile::~AtomicFile() { discard(); }

void AtomicFile::write(const void *data, std::size_t size)
{
    if (m_fd < 0)
        throw Error(m_path, "write after commit or discard");
    const char *p = static_cast<const char *>(data);
    if (m_buffer.size() + size > kBufferSize)
        flushBuffer();
    if (size >= kBufferSize) {
        if (const int e = writeAll(m_fd, p, size)) {
            discard();
            throw Error(m_path, std::string("write failed: ") + std::strerror(e));
        }
        m_written += size;
        return;
    }
    m_buffer.append(p, size);
    m_written += size;
}

void AtomicFile::writeZeros(std::size_t count)
{
    static const char zeros[4096] = {};
    while (count > 0) {
        const std::size_t n = std::min(count, sizeof zeros);
        write(zeros, n);
        count -= n;
    }
}

void AtomicFile::flushBuffer()
{
    const int e = writeAll(m_fd, m_buffer.data(), m_buffer.size());
    m_buffer.clear();
    if (e) {
        discard();
        throw Error(m_path, std::string("write failed: ") + std::strerror(e));
    }
}

void AtomicFile::commit()
{
    if (m_fd < 0)
        throw Error(m_path, "commit after commit or discard");
    flushBuffer();
    if (::fsync(m_fd) != 0) {
        const int e = errno;
        discard();
        throw Error(m_path, std::string("fsync failed: ") + std::strerror(e));
    }
    ::close(m_fd);
    m_fd = -1;
    if (::rename(m_tmpPath.c_str(), m_path.c_str()) != 0) {
        const int e = errno;
        ::unlink(m_tmpPath.c_str());
        throw Error(m_path, std::string("cannot replace file: ") + std::strerror(e));
    }
    m_tmpPath.clear();
    const int dfd = ::open(dirOf(m_path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

void AtomicFile::discard()
{
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
    if (!m_tmpPath.empty()) {
        ::unlink(m_tmpPath.c_str());
        m_tmpPath.clear();
    }
}

void writeFileAtomic(const std::string &path, std::string_view content)
{
    AtomicFile f(path);
    f.write(content);
    f.commit();
}

std::string readFile(const std::string &path)
{
    // A folder opens like a file and reads as empty: say what it is instead.
    struct stat st{};
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
        throw Error(path, "is a folder, not a file");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error(path, std::string("cannot open: ") + std::strerror(errno));
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad())
        throw Error(path, "read failed");
    return ss.str();
}

} // namespace lieq
