#include "core/export/gguf_tensor_encoder.h"

#include "core/quant/quantized_tensor.h"
#include "core/util/error.h"
#include "kernels/ggml_blocks.h"
#include "kernels/type_traits.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace lieq {

namespace {

const kernels::TypeTraits &traits(GgmlType t)
{
    const auto q = kernels::typeFromGgml(static_cast<int>(t));
    if (!q)
        throw Error("ggml type " + std::to_string(static_cast<int>(t)) + " has no encoder");
    return kernels::typeTraits(*q);
}

} // namespace

GgmlType ggufTypeForRows(GgmlType wanted, std::int64_t cols, std::string *note)
{
    auto say = [&](GgmlType got) {
        if (note)
            *note = std::string(traits(wanted).name) + " needs rows of a multiple of " +
                    std::to_string(traits(wanted).blockSize) + " values (" + std::to_string(cols) + " here): " +
                    traits(got).name + " instead";
        return got;
    };
    if (wanted == GgmlType::F32 || wanted == GgmlType::F16 || cols % traits(wanted).blockSize == 0)
        return wanted;
    // llama.cpp's fallbacks (llama_tensor_get_type) among the types this project writes.
    GgmlType fallback = GgmlType::F16;
    if (wanted == GgmlType::Q2_K || wanted == GgmlType::Q3_K || wanted == GgmlType::Q4_K)
        fallback = GgmlType::Q4_0;
    else if (wanted == GgmlType::Q6_K)
        fallback = GgmlType::Q8_0;
    if (fallback != GgmlType::F16 && cols % traits(fallback).blockSize != 0)
        fallback = GgmlType::F16;
    return say(fallback);
}

GgmlType ggufTypeForBits(int bits, std::int64_t cols, std::string *note)
{
    switch (bits) {
    case 2: return ggufTypeForRows(GgmlType::Q2_K, cols, note);
    case 3: return ggufTypeForRows(GgmlType::Q3_K, cols, note);
    case 4: return ggufTypeForRows(GgmlType::Q4_K, cols, note);
    case 8: return ggufTypeForRows(GgmlType::Q8_0, cols, note);
    case 16: return GgmlType::F16;
    default: throw Error("no GGUF type for " + std::to_string(bits) + "-bit weights (2, 3, 4, 8 or 16)");
    }
}

GgmlType ggufTypeFromName(const std::string &name)
{
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    for (GgmlType t : {GgmlType::F32, GgmlType::F16, GgmlType::Q4_0, GgmlType::Q8_0, GgmlType::Q2_K, GgmlType::Q3_K,
                       GgmlType::Q4_K, GgmlType::Q6_K}) {
        std::string n = traits(t).name;
        std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return char(std::tolower(c)); });
        if (n == lower)
            return t;
    }
    throw Error("unknown GGUF type \"" + name + "\" (f32, f16, q4_0, q8_0, q2_k, q3_k, q4_k, q6_k)");
}

bool carryRows(GgmlType type, const QuantizedTensor &q, std::byte *dst)
{
    if ((type != GgmlType::Q8_0 && type != GgmlType::Q4_0) || q.cols % 32 != 0 || !q.hasTrivialGroups())
        return false;
    const std::int64_t gs = q.groupSize > 0 ? q.groupSize : q.cols;
    if (gs % 32 != 0 && gs != q.cols)
        return false;
    const int lo = type == GgmlType::Q8_0 ? -128 : -8, hi = type == GgmlType::Q8_0 ? 127 : 7;
    const std::int64_t blocksPerRow = q.cols / 32;
    for (std::int64_t r = 0; r < q.rows; ++r) {
        for (std::int64_t b = 0; b < blocksPerRow; ++b) {
            const std::int64_t c0 = b * 32, g = c0 / gs;
            if ((c0 + 31) / gs != g)
                return false; // the block straddles two groups
            const float scale = q.scale(r, g);
            const kernels::fp16_t d = kernels::fp32ToFp16(scale);
            if (kernels::fp16ToFp32(d) != scale)
                return false;
            const int zero = q.zero(r, g);
            int v[32];
            for (int j = 0; j < 32; ++j) {
                v[j] = int(q.codes[std::size_t(r * q.cols + c0 + j)]) - zero;
                if (v[j] < lo || v[j] > hi)
                    return false;
            }
            if (type == GgmlType::Q8_0) {
                auto *blk = reinterpret_cast<kernels::BlockQ8_0 *>(dst) + r * blocksPerRow + b;
                blk->d = d;
                for (int j = 0; j < 32; ++j)
                    blk->qs[j] = std::int8_t(v[j]);
            } else { // x = d * (q - 8): value j in the low nibble of qs[j], value j + 16 in its high one
                auto *blk = reinterpret_cast<kernels::BlockQ4_0 *>(dst) + r * blocksPerRow + b;
                blk->d = d;
                for (int j = 0; j < 16; ++j)
                    blk->qs[j] = std::uint8_t((v[j] + 8) | ((v[j + 16] + 8) << 4));
            }
        }
    }
    return true;
}

EncodedTensorStats encodeRows(GgmlType type, const float *src, std::int64_t rows, std::int64_t cols, std::byte *dst)
{
    const kernels::TypeTraits &t = traits(type);
    const auto q = *kernels::typeFromGgml(static_cast<int>(type));
    const std::int64_t rowBytes = kernels::rowBytes(q, cols);
    std::vector<float> back(static_cast<std::size_t>(cols));
    double err = 0, norm = 0, maxAbs = 0;
    for (std::int64_t r = 0; r < rows; ++r) {
        const float *x = src + r * cols;
        std::byte *y = dst + r * rowBytes;
        t.fromFloatRef(x, y, cols);
        t.toFloat(y, back.data(), cols);
        for (std::int64_t c = 0; c < cols; ++c) {
            const double d = double(back[std::size_t(c)]) - double(x[c]);
            err += d * d;
            norm += double(x[c]) * double(x[c]);
            maxAbs = std::max(maxAbs, std::abs(d));
        }
    }
    EncodedTensorStats s;
    s.how = (type == GgmlType::F16 || type == GgmlType::F32) ? "converted" : "quantized";
    s.nmse = norm > 0 ? err / norm : err;
    s.maxAbs = maxAbs;
    s.exact = maxAbs == 0;
    return s;
}

} // namespace lieq
