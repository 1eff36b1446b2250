#pragma once

// llama.cpp's own quantizers as a reference: libggml-base.so from the npm package
// node-llama-cpp (tests/node/node_modules), loaded with dlopen so that nothing of llama.cpp is
// linked into the project. Tests QSKIP with `whyNot` when the library is absent.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace lieq::test {

class GgmlReference
{
public:
    using QuantizeRowFn = void (*)(const float *, void *, std::int64_t);
    using DequantizeRowFn = void (*)(const void *, float *, std::int64_t);
    using QuantizeChunkFn = std::size_t (*)(int type, const float *src, void *dst,
                                            std::int64_t start, std::int64_t nrows,
                                            std::int64_t nPerRow, const float *imatrix);
    using Fp32ToFp16RowFn = void (*)(const float *, std::uint16_t *, std::int64_t);

    GgmlReference();
    ~GgmlReference();
    GgmlReference(const GgmlReference &) = delete;
    GgmlReference &operator=(const GgmlReference &) = delete;

    bool loaded() const { return m_handle != nullptr; }
    const std::string &whyNot() const { return m_whyNot; }
    const std::string &path() const { return m_path; }

    // quantize_row_<name>_ref / dequantize_row_<name> ("q4_0", "q2_K", ...); null if missing.
    QuantizeRowFn quantizeRow(const std::string &name) const;
    DequantizeRowFn dequantizeRow(const std::string &name) const;
    QuantizeChunkFn quantizeChunk() const;
    Fp32ToFp16RowFn fp32ToFp16Row() const;
    Fp32ToFp16RowFn fp32ToBf16Row() const; // ggml_fp32_to_bf16_row_ref

private:
    void *symbol(const std::string &name) const;
    void *m_handle = nullptr;
    std::string m_path;
    std::string m_whyNot;
};

// The folder of node-llama-cpp's prebuilt CPU binaries, or empty.
std::string nodeLlamaBinDir();

// llama_model_quantize of libllama (dlopened from the same folder) on a GGUF: every 2-D weight
// to `type` ("pure": no llama.cpp mixture), tensors whose name matches a regex of `overrides`
// to that override's type, token_embd and output kept at `keepType` (F16 = 1). ggml type
// numbers. Returns an empty string on success, else why not (library absent or the call
// failed).
struct GgufTypeOverride
{
    std::string pattern; // std::regex_search on the tensor name, e.g. "blk\\.0\\."
    int type;
};
std::string llamaQuantizeGguf(const std::string &in, const std::string &out, int type,
                              const std::vector<GgufTypeOverride> &overrides = {}, int keepType = 1,
                              int threads = 1);

} // namespace lieq::test
