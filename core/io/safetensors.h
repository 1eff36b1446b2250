#pragma once

#include "core/io/dtype.h"
#include "core/util/mapped_file.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace lieq {

// A read-only view of one tensor's bytes inside a memory-mapped file.
struct TensorView
{
    std::string name;
    DType dtype = DType::F32;
    std::vector<std::int64_t> shape;
    const std::byte *data = nullptr; // points into the mapping; valid while the file lives
    std::size_t nbytes = 0;
    std::string file;                // the file it lives in, for error messages
    std::size_t fileOffset = 0;      // absolute offset of data in the file

    std::int64_t numel() const;
};

// One .safetensors file, memory-mapped and fully validated on open: header length bound,
// JSON syntax and types, dtype names, every tensor inside the data area, no overlaps, byte
// size = product(shape) x dtype size, unique names. Errors name the file, tensor and problem.
class SafetensorsFile
{
public:
    static constexpr std::uint64_t kMaxHeaderBytes = 100ull << 20; // 100 MB, as upstream

    explicit SafetensorsFile(const std::string &path);

    const std::string &path() const { return m_file.path(); }
    const std::vector<std::string> &names() const { return m_order; } // file order
    bool contains(const std::string &name) const;
    const TensorView &tensor(const std::string &name) const; // throws naming file + tensor
    const std::map<std::string, std::string> &metadata() const { return m_metadata; }
    const MappedFile &mapping() const { return m_file; }

private:
    MappedFile m_file;
    std::map<std::string, TensorView> m_tensors;
    std::vector<std::string> m_order;
    std::map<std::string, std::string> m_metadata;
};

// Writes a safetensors file atomically (tests, demo model, quantized exports).
struct TensorToWrite
{
    std::string name;
    DType dtype = DType::F32;
    std::vector<std::int64_t> shape;
    const void *data = nullptr;
    std::size_t nbytes = 0;
};
void writeSafetensors(const std::string &path, const std::vector<TensorToWrite> &tensors,
                      const std::map<std::string, std::string> &metadata = {});

} // namespace lieq
