#pragma once

#include <cstddef>
#include <string>

namespace lieq {

// Read-only memory map of a whole file. Move-only; unmaps on destruction.
class MappedFile
{
public:
    MappedFile() = default;
    explicit MappedFile(const std::string &path); // throws lieq::Error naming the file
    ~MappedFile();
    MappedFile(MappedFile &&other) noexcept;
    MappedFile &operator=(MappedFile &&other) noexcept;
    MappedFile(const MappedFile &) = delete;
    MappedFile &operator=(const MappedFile &) = delete;

    const std::byte *data() const { return m_data; }
    std::size_t size() const { return m_size; }
    const std::string &path() const { return m_path; }

    // Tell the kernel a byte range will not be needed soon (layer streaming drops pages).
    void dropPages(std::size_t offset, std::size_t length) const;

    // Whether pages were lost because the file was truncated on disk after it was mapped
    // (MappingGuard turned the SIGBUS into zeros; see mapping_guard.h).
    bool changedOnDisk() const;

private:
    void reset();
    std::string m_path;
    const std::byte *m_data = nullptr;
    std::size_t m_size = 0;
    int m_guard = -1; // MappingGuard handle
};

} // namespace lieq
