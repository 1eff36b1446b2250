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

} // namespace lieq::test
