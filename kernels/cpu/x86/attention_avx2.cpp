// Decode attention with AVX2 + FMA: the scores by the F32 row dot of the GEMV kernels, the
// softmax in scalar code (one exp per key and head: a few thousand per layer), and the weighted
// value sum accumulated 8-wide into the output row. The group's heads share each key and value
// row while it is in L1. Scratch is kept per thread: decode calls this once per kv head and layer.
#include "kernels/cpu/x86/attention_avx2.h"

#include "kernels/cpu/x86/float_dot_avx2.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace lieq::kernels::x86 {

namespace {

// o[0, n) += p * v[0, n)
void axpy(float *o, float p, const float *v, std::int64_t n)
{
    const __m256 pv = _mm256_set1_ps(p);
    std::int64_t d = 0;
    for (; d + 8 <= n; d += 8)
        _mm256_storeu_ps(o + d, _mm256_fmadd_ps(pv, _mm256_loadu_ps(v + d), _mm256_loadu_ps(o + d)));
    for (; d < n; ++d)
        o[d] += p * v[d];
}

} // namespace

void attendDecodeAvx2(const DecodeAttention &a)
{
    const VecDotFn dot = floatVecDotAvx2(QuantType::F32);
    thread_local std::vector<float> scratch;
    scratch.resize(std::size_t(a.heads * (a.keys + 2)));
    float *scores = scratch.data(), *top = scores + a.heads * a.keys, *inv = top + a.heads;
    std::fill(top, top + a.heads, -std::numeric_limits<float>::infinity());
    // Scores key-major: each key row is read once for all of the group's heads.
    for (std::int64_t t = 0; t < a.keys; ++t) {
        const float *k = a.k + t * a.kStride;
        for (std::int64_t i = 0; i < a.heads; ++i) {
            const float s = dot(a.headDim, k, a.q + i * a.qStride) * a.scale;
            scores[i * a.keys + t] = s;
            top[i] = std::max(top[i], s);
        }
    }
    for (std::int64_t i = 0; i < a.heads; ++i) {
        float *p = scores + i * a.keys;
        float sum = 0;
        for (std::int64_t t = 0; t < a.keys; ++t) {
            p[t] = std::exp(p[t] - top[i]);
            sum += p[t];
        }
        inv[i] = 1.0f / sum;
        std::fill(a.out + i * a.outStride, a.out + i * a.outStride + a.headDim, 0.0f);
    }
    for (std::int64_t t = 0; t < a.keys; ++t) {
        const float *v = a.v + t * a.vStride;
        for (std::int64_t i = 0; i < a.heads; ++i)
            axpy(a.out + i * a.outStride, scores[i * a.keys + t], v, a.headDim);
    }
    for (std::int64_t i = 0; i < a.heads; ++i) {
        float *o = a.out + i * a.outStride;
        const float s = inv[i];
        for (std::int64_t d = 0; d < a.headDim; ++d)
            o[d] *= s;
    }
}

} // namespace lieq::kernels::x86
