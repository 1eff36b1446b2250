#pragma once

#include "core/io/gguf_format.h"
#include "core/util/progress.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace lieq {

// Builds a GGUF v3 file: metadata first, then tensor descriptions with a callback that fills
// each tensor's bytes when write() reaches it, so a large model is converted one tensor at a
// time. Tensor data is aligned to 32 bytes. The file is written atomically.
class GgufWriter
{
public:
    // Fills exactly `nbytes` bytes at `dst` (the tensor's data in its GGUF type).
    using Fill = std::function<void(std::byte *dst, std::size_t nbytes)>;

    void addUInt32(const std::string &key, std::uint32_t v);
    void addInt32(const std::string &key, std::int32_t v);
    void addFloat32(const std::string &key, float v);
    void addBool(const std::string &key, bool v);
    void addString(const std::string &key, const std::string &v);
    void addStringArray(const std::string &key, const std::vector<std::string> &v);
    void addFloat32Array(const std::string &key, const std::vector<float> &v);
    void addInt32Array(const std::string &key, const std::vector<std::int32_t> &v);

    // `shape` in PyTorch order (outermost first); GGUF stores it reversed (ne[0] = columns).
    void addTensor(const std::string &name, GgmlType type, const std::vector<std::int64_t> &shape,
                   Fill fill);

    // Writes everything; throws lieq::Error naming the file, lieq::Cancelled from progress.
    void write(const std::string &path, const ProgressFn &progress = {}) const;

    std::size_t tensorCount() const { return m_tensors.size(); }

private:
    struct Tensor
    {
        std::string name;
        GgmlType type;
        std::vector<std::int64_t> shape;
        std::size_t nbytes;
        Fill fill;
    };
    void addKey(const std::string &key, GgufValueType type, std::string payload);
    std::string m_meta; // serialized key/value pairs
    std::vector<std::string> m_keys;
    std::vector<Tensor> m_tensors;
};

// Bytes of a tensor of `shape` (PyTorch order; rows of the last dimension) in `type`; throws
// lieq::Error when the last dimension is not a multiple of the type's block size.
std::size_t ggmlTensorBytes(GgmlType t, const std::vector<std::int64_t> &shape);
const char *ggmlTypeName(GgmlType t); // ggml's names: "f32", "f16", "q4_K", ...

} // namespace lieq
