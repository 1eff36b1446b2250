#include "tests/kernels/ggml_reference.h"

#include "tests/support/testutil.h"

#include <dlfcn.h>

#include <filesystem>

namespace lieq::test {

std::string nodeLlamaBinDir()
{
    const std::string node = nodeDir();
    if (node.empty())
        return {};
    const std::string dir = node + "/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64";
    return std::filesystem::is_directory(dir) ? dir : std::string();
}

GgmlReference::GgmlReference()
{
    const std::string dir = nodeLlamaBinDir();
    if (dir.empty()) {
        m_whyNot = "tests/node/node_modules/@node-llama-cpp/linux-x64 is absent (run npm install "
                   "in tests/node): llama.cpp reference skipped";
        return;
    }
    m_path = dir + "/libggml-base.so";
    m_handle = ::dlopen(m_path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!m_handle)
        m_whyNot = m_path + " could not be loaded: " + ::dlerror();
}

GgmlReference::~GgmlReference()
{
    if (m_handle)
        ::dlclose(m_handle);
}

void *GgmlReference::symbol(const std::string &name) const
{
    return m_handle ? ::dlsym(m_handle, name.c_str()) : nullptr;
}

GgmlReference::QuantizeRowFn GgmlReference::quantizeRow(const std::string &name) const
{
    return reinterpret_cast<QuantizeRowFn>(symbol("quantize_row_" + name + "_ref"));
}

GgmlReference::DequantizeRowFn GgmlReference::dequantizeRow(const std::string &name) const
{
    return reinterpret_cast<DequantizeRowFn>(symbol("dequantize_row_" + name));
}

GgmlReference::QuantizeChunkFn GgmlReference::quantizeChunk() const
{
    return reinterpret_cast<QuantizeChunkFn>(symbol("ggml_quantize_chunk"));
}

GgmlReference::Fp32ToFp16RowFn GgmlReference::fp32ToFp16Row() const
{
    return reinterpret_cast<Fp32ToFp16RowFn>(symbol("ggml_fp32_to_fp16_row"));
}

GgmlReference::Fp32ToFp16RowFn GgmlReference::fp32ToBf16Row() const
{
    return reinterpret_cast<Fp32ToFp16RowFn>(symbol("ggml_fp32_to_bf16_row_ref"));
}

namespace {

// llama.h (llama.cpp of node-llama-cpp 3.22.1), declared here field for field.
struct LlamaTensorOverride
{
    const char *pattern;
    int type;
};

struct LlamaQuantizeParams
{
    std::int32_t nthread;
    int ftype;
    int outputTensorType;
    int tokenEmbeddingType;
    bool allowRequantize;
    bool quantizeOutputTensor;
    bool onlyCopy;
    bool pure;
    bool keepSplit;
    bool dryRun;
    const void *imatrix;
    const void *kvOverrides;
    const LlamaTensorOverride *ttOverrides;
    const std::int32_t *pruneLayers;
    std::size_t maxBufSize;
};

// llama_ftype for a pure quantization to one ggml type.
int ftypeFor(int ggmlType)
{
    switch (ggmlType) {
    case 2: return 2;   // Q4_0
    case 8: return 7;   // Q8_0
    case 10: return 10; // Q2_K
    case 11: return 12; // Q3_K (M)
    case 12: return 15; // Q4_K (M)
    case 14: return 18; // Q6_K
    default: return -1;
    }
}

} // namespace

std::string llamaQuantizeGguf(const std::string &in, const std::string &out, int type,
                              const std::vector<GgufTypeOverride> &overrides, int keepType,
                              int threads)
{
    const std::string dir = nodeLlamaBinDir();
    if (dir.empty())
        return "tests/node/node_modules/@node-llama-cpp/linux-x64 is absent: llama.cpp skipped";
    const std::string lib = dir + "/libllama.v0.5.0.so";
    void *h = ::dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return lib + " could not be loaded: " + ::dlerror();
    using DefaultsFn = LlamaQuantizeParams (*)();
    using QuantizeFn = std::uint32_t (*)(const char *, const char *, const LlamaQuantizeParams *);
    using VoidFn = void (*)();
    auto defaults = reinterpret_cast<DefaultsFn>(::dlsym(h, "llama_model_quantize_default_params"));
    auto quantize = reinterpret_cast<QuantizeFn>(::dlsym(h, "llama_model_quantize"));
    auto init = reinterpret_cast<VoidFn>(::dlsym(h, "llama_backend_init"));
    if (!defaults || !quantize || ftypeFor(type) < 0) {
        ::dlclose(h);
        return lib + " lacks llama_model_quantize, or ggml type " + std::to_string(type) + " is not handled";
    }
    if (init)
        init();
    LlamaQuantizeParams p = defaults();
    p.nthread = threads;
    p.ftype = ftypeFor(type);
    p.pure = true;
    p.outputTensorType = keepType;
    p.tokenEmbeddingType = keepType;
    p.quantizeOutputTensor = false;
    std::vector<LlamaTensorOverride> tt;
    for (const GgufTypeOverride &o : overrides)
        tt.push_back({o.pattern.c_str(), o.type});
    tt.push_back({nullptr, 0});
    p.ttOverrides = tt.data();
    const std::uint32_t rc = quantize(in.c_str(), out.c_str(), &p);
    ::dlclose(h);
    return rc == 0 ? std::string() : "llama_model_quantize failed (" + std::to_string(rc) + ")";
}

} // namespace lieq::test
