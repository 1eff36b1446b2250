#include "kernels/matmul.h"

#include "kernels/cpu/x86/ggml_dot_avx2.h"
#include "kernels/cpu/x86/gptq_avx2.h"
#include "kernels/cpu/x86/float_dot_avx2.h"
#include "kernels/cpu/x86/float_gemv_avx2.h"
#include "kernels/fp16.h"
#include "kernels/parallel.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

namespace lieq::kernels {

namespace {

bool isGptq(QuantType t)
{
    return typeTraits(t).gptqColumns;
}

// Activation rows in powers of two: the split decision of a weight differs between decode
// (one row) and prefill (many).
int sizeClass(std::int64_t m)
{
    int c = 0;
    while (m > 1) {
        m >>= 1;
        ++c;
    }
    return c;
}

float dotF32Ref(std::int64_t n, const void *w, const void *x)
{
    const auto *a = static_cast<const float *>(w);
    const auto *b = static_cast<const float *>(x);
    float s = 0;
    for (std::int64_t i = 0; i < n; ++i)
        s += a[i] * b[i];
    return s;
}

float dotF16Ref(std::int64_t n, const void *w, const void *x)
{
    const auto *a = static_cast<const fp16_t *>(w);
    const auto *b = static_cast<const float *>(x);
    float s = 0;
    for (std::int64_t i = 0; i < n; ++i)
        s += fp16ToFp32(a[i]) * b[i];
    return s;
}

float dotBf16Ref(std::int64_t n, const void *w, const void *x)
{
    const auto *a = static_cast<const std::uint16_t *>(w);
    const auto *b = static_cast<const float *>(x);
    float s = 0;
    for (std::int64_t i = 0; i < n; ++i)
        s += bf16ToFp32(a[i]) * b[i];
    return s;
}

VecDotFn floatDotRef(QuantType t)
{
    return t == QuantType::F32 ? dotF32Ref : t == QuantType::F16 ? dotF16Ref : dotBf16Ref;
}

// Rows of a ggml-type (or F32/F16/BF16) matrix: activations quantized once, then each chunk of
// weight rows is dotted with every activation row while the weight row is in L1.
void matmulRows(const WeightView &w, const float *x, std::int64_t m, float *y, Backend b)
{
    const TypeTraits &t = typeTraits(w.type);
    VecDotFn dot = nullptr;
    x86::GemvRowsFn gemv = nullptr; // several weight rows per activation row, where there is one
    thread_local std::vector<std::uint8_t> tlsQuantized;
    std::vector<std::uint8_t> &xq = tlsQuantized;
    std::int64_t xBytes = w.cols * std::int64_t(sizeof(float));
    const void *xs = x;
    if (w.type == QuantType::F32 || w.type == QuantType::F16 || w.type == QuantType::BF16) {
        dot = b != Backend::Scalar ? x86::floatVecDotAvx2(w.type) : floatDotRef(w.type);
        gemv = b == Backend::Vnni   ? x86vnni::floatGemvAvx2(w.type)
               : b == Backend::Avx2 ? x86::floatGemvAvx2(w.type)
                                    : nullptr;
        if (gemv && w.type == QuantType::BF16) { // activations in the BF16 GEMV's lane order
            xq.resize(std::size_t(xBytes * m));
            auto *xf = reinterpret_cast<float *>(xq.data());
            for (std::int64_t i = 0; i < m; ++i)
                x86::prepareBf16Activations(x + i * w.cols, w.cols, xf + i * w.cols);
            xs = xf;
        }
    } else {
        dot = b == Backend::Vnni   ? x86vnni::ggmlVecDotAvx2(w.type)
              : b == Backend::Avx2 ? x86::ggmlVecDotAvx2(w.type)
                                   : t.vecDotRef;
        gemv = b == Backend::Vnni   ? x86vnni::ggmlGemvAvx2(w.type)
               : b == Backend::Avx2 ? x86::ggmlGemvAvx2(w.type)
                                    : nullptr;
        const TypeTraits &xt = typeTraits(t.vecDotType);
        xBytes = rowBytes(xt.type, w.cols);
        xq.resize(std::size_t(xBytes * m));
        const FromFloatFn quantize = b == Backend::Scalar        ? xt.fromFloatRef
                                     : xt.type == QuantType::Q8_0 ? x86::quantizeRowQ8_0Avx2
                                     : xt.type == QuantType::Q8_K ? x86::quantizeRowQ8KAvx2
                                                                  : xt.fromFloatRef;
        for (std::int64_t i = 0; i < m; ++i)
            quantize(x + i * w.cols, xq.data() + i * xBytes, w.cols);
        xs = xq.data();
    }
    const std::int64_t wBytes = rowBytes(w.type, w.cols);
    const auto *wp = static_cast<const std::uint8_t *>(w.data);
    const auto *xp = static_cast<const std::uint8_t *>(xs);
    parallelForTimed(w.data, sizeClass(m), w.rows, [&](std::int64_t r0, std::int64_t r1) {
        if (gemv) {
            // Chunks of 16 rows (at most 16 x 6 KiB for the longest rows here) against every
            // activation row while they are in L1/L2; a row's value does not depend on the chunk.
            for (std::int64_t c0 = r0; c0 < r1; c0 += (m == 1 ? r1 - r0 : 16)) {
                const std::int64_t c1 = m == 1 ? r1 : std::min(r1, c0 + 16);
                for (std::int64_t i = 0; i < m; ++i)
                    gemv(w.cols, wp + c0 * wBytes, wBytes, c1 - c0, xp + i * xBytes, y + i * w.rows + c0);
            }
            return;
        }
        for (std::int64_t r = r0; r < r1; ++r)
            for (std::int64_t i = 0; i < m; ++i)
                y[i * w.rows + r] = dot(w.cols, wp + r * wBytes, xp + i * xBytes);
    }, 16);
}

void matmulGptq(const WeightView &w, const float *x, std::int64_t m, float *y, Backend b)
{
    // Scratch kept per calling thread: decode calls this ~200 times per token, and the
    // allocations would cost as much as the smaller GEMVs. (References, so that the workers'
    // lambdas see the caller's instances, not their own thread_locals.)
    thread_local GptqActivations tlsActivations;
    thread_local x86::GptqAvx2Input tlsInput;
    GptqActivations &xa = tlsActivations;
    x86::GptqAvx2Input &in = tlsInput;
    if (b != Backend::Scalar)
        x86::quantizeGptqActivationsAvx2(x, m, w.cols, xa);
    else
        quantizeGptqActivations(x, m, w.cols, xa);
    const std::int64_t tiles = (w.rows + 7) / 8;
    if (b != Backend::Scalar && gptqFastPath(w.gptq)) {
        x86::gptqPrepareAvx2(w.gptq, xa, in);
        const std::int64_t groups = w.gptq.shape.groups(), full = w.rows / 8 * 8;
        if (m == 1 && groups >= 2 && full > 0) {
            // One row (decode): the sum over the first half of the groups plus the sum over
            // the second half, always (so the same bits unsplit or split). Split, each of two
            // threads streams one contiguous half of the words: split by outputs instead, each
            // read a slice of every word row (a few hundred bytes of each 4 KiB at 1024
            // outputs), and two threads drew 11 GB/s from a memory that gives 19.7. More
            // threads also cut each half into ranges of outputs (which changes no value).
            const auto gemv = b == Backend::Vnni ? x86vnni::gptqGemvGroupsAvx2 : x86::gptqGemvGroupsAvx2;
            thread_local std::vector<float> tlsPart;
            std::vector<float> &part = tlsPart;
            part.resize(std::size_t(full));
            const std::int64_t half = groups / 2, fullTiles = full / 8;
            const std::int64_t chunks = std::clamp<std::int64_t>((parallelWidth() + 1) / 2, 1, fullTiles);
            const std::int64_t perChunk = (fullTiles + chunks - 1) / chunks;
            parallelForTimed(w.gptq.qweight, 0, 2 * chunks, [&](std::int64_t t0, std::int64_t t1) {
                for (std::int64_t t = t0; t < t1; ++t) {
                    const std::int64_t c = t % chunks;
                    const std::int64_t n0 = 8 * c * perChunk, n1 = std::min(full, 8 * (c + 1) * perChunk);
                    if (n0 >= n1)
                        continue;
                    if (t < chunks)
                        gemv(w.gptq, xa, in, y, n0, n1, 0, half);
                    else
                        gemv(w.gptq, xa, in, part.data(), n0, n1, half, groups);
                    if (t == 0 && full < w.rows)
                        gptqMatmulRef(w.gptq, xa, y, w.rows, full, w.rows);
                }
            }, 1);
            for (std::int64_t o = 0; o < full; ++o)
                y[o] += part[std::size_t(o)];
            return;
        }
        const auto kernel = b == Backend::Vnni ? x86vnni::gptqMatmulAvx2 : x86::gptqMatmulAvx2;
        parallelForTimed(w.gptq.qweight, sizeClass(m), tiles, [&](std::int64_t t0, std::int64_t t1) {
            kernel(w.gptq, xa, in, y, w.rows, 8 * t0, std::min(w.rows, 8 * t1));
        }, 8);
        return;
    }
    parallelFor(tiles, [&](std::int64_t t0, std::int64_t t1) {
        gptqMatmulRef(w.gptq, xa, y, w.rows, 8 * t0, std::min(w.rows, 8 * t1));
    }, 1);
}

} // namespace

WeightView gptqView(const GptqMatrix &m)
{
    WeightView v;
    v.type = *gptqType(m.shape.bits);
    v.rows = m.shape.rows;
    v.cols = m.shape.cols;
    v.gptq = m;
    return v;
}

void validate(const WeightView &w)
{
    auto fail = [](const std::string &what) { throw std::invalid_argument("kernels: " + what); };
    const TypeTraits &t = typeTraits(w.type);
    if (w.rows <= 0 || w.cols <= 0)
        fail("empty weight shape");
    if (t.gptqColumns) {
        const GptqShape &s = w.gptq.shape;
        if (s.rows != w.rows || s.cols != w.cols || t.bits != s.bits)
            fail("GPTQ shape does not match the view");
        if (s.groupSize <= 0)
            fail("GPTQ group size must be positive");
        if (!w.gptq.qweight || !w.gptq.qzeros || !w.gptq.scales)
            fail("GPTQ matrix lacks qweight, qzeros or scales");
        if (w.gptq.gIdx)
            for (std::int64_t k = 0; k < s.cols; ++k)
                if (w.gptq.gIdx[k] < 0 || w.gptq.gIdx[k] >= s.groups())
                    fail("g_idx entry out of range");
        return;
    }
    if (w.type == QuantType::Q8_K)
        fail("q8_K is an activation type, not a weight type");
    if (w.cols % t.blockSize != 0)
        fail(std::string(t.name) + " rows must hold a multiple of " + std::to_string(t.blockSize) +
             " values, not " + std::to_string(w.cols));
    if (!w.data)
        fail("weight data is null");
}

void matmul(const WeightView &w, const float *x, std::int64_t m, float *y, Backend backend)
{
    if (m <= 0)
        return;
    const Backend b = availableBackend(backend);
    if (isGptq(w.type))
        matmulGptq(w, x, m, y, b);
    else
        matmulRows(w, x, m, y, b);
}

void dequantizeRows(const WeightView &w, std::int64_t row0, std::int64_t nrows, float *out)
{
    if (isGptq(w.type)) {
        gptqDequantizeRows(w.gptq, row0, nrows, out);
        return;
    }
    const TypeTraits &t = typeTraits(w.type);
    const std::int64_t rb = rowBytes(w.type, w.cols);
    for (std::int64_t r = row0; r < row0 + nrows; ++r)
        t.toFloat(static_cast<const std::uint8_t *>(w.data) + r * rb, out + (r - row0) * w.cols,
                  w.cols);
}

std::int64_t weightBytes(const WeightView &w)
{
    if (isGptq(w.type)) {
        const GptqShape &s = w.gptq.shape;
        return 4 * (s.qweightWords() + s.qzerosWords()) + 2 * s.groups() * s.rows;
    }
    return rowBytes(w.type, w.cols) * w.rows;
}

} // namespace lieq::kernels
