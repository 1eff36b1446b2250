#pragma once

#include "core/io/gguf_format.h"
#include "core/util/mapped_file.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lieq {

// Reads a GGUF v2/v3 file (memory-mapped) and validates its structure: magic, version, string
// and array lengths inside the file, tensor data inside the file and aligned. Tensors of every
// type the kernels know (F32, F16, BF16, Q4_0, Q8_0, Q2_K, Q3_K, Q4_K, Q6_K) have their byte
// size checked and can be read back as floats (dequantized) or used in place by the kernels.
class GgufReader
{
public:
    struct TensorInfo
    {
        std::string name;
        std::uint32_t type = 0;          // ggml_type number
        std::vector<std::int64_t> shape; // PyTorch order (GGUF ne reversed)
        std::uint64_t offset = 0;        // relative to the data section
        const std::byte *data = nullptr;
        std::size_t nbytes = 0;          // known for the kernels' types, else 0
    };

    explicit GgufReader(const std::string &path); // throws lieq::Error naming the file

    std::uint32_t version() const { return m_version; }
    std::uint32_t alignment() const { return m_alignment; }
    const std::map<std::string, GgufValue> &metadata() const { return m_meta; }
    bool has(const std::string &key) const { return m_meta.count(key) > 0; }
    const GgufValue &value(const std::string &key) const; // throws naming the key
    const std::vector<TensorInfo> &tensors() const { return m_tensors; }
    const TensorInfo &tensor(const std::string &name) const; // throws naming the tensor
    std::vector<float> tensorAsFloat(const std::string &name) const; // any kernels type
    const std::string &path() const { return m_file.path(); }

private:
    MappedFile m_file;
    std::uint32_t m_version = 0;
    std::uint32_t m_alignment = 32;
    std::map<std::string, GgufValue> m_meta;
    std::vector<TensorInfo> m_tensors;
};

} // namespace lieq
