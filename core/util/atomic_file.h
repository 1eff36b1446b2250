#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace lieq {

// Writes a file atomically: data goes to a temporary file beside the target, is flushed to
// disk, then renamed over the target on commit(). Until commit() the target is untouched; a
// failure (full disk, cancel, exception) removes the temporary and keeps the old file intact.
class AtomicFile
{
public:
    explicit AtomicFile(std::string path); // throws lieq::Error naming the file
    ~AtomicFile();                          // discards an uncommitted temporary
    AtomicFile(const AtomicFile &) = delete;
    AtomicFile &operator=(const AtomicFile &) = delete;

    void write(const void *data, std::size_t size);
    void write(std::string_view s) { write(s.data(), s.size()); }
    void writeZeros(std::size_t count);
    std::uint64_t bytesWritten() const { return m_written; }
    const std::string &path() const { return m_path; }

    void commit(); // flush, fsync, rename over the target, fsync the directory
    void discard();

private:
    void flushBuffer();
    std::string m_path;
    std::string m_tmpPath;
    int m_fd = -1;
    std::uint64_t m_written = 0;
    std::string m_buffer;
};

// Convenience: atomically replace `path` with `content`.
void writeFileAtomic(const std::string &path, std::string_view content);

// Reads a whole (small) file; throws lieq::Error naming the file.
std::string readFile(const std::string &path);

} // namespace lieq
