#include "kernels/attention.h"

#include "kernels/cpu/x86/attention_avx2.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace lieq::kernels {

namespace {

void check(const DecodeAttention &a)
{
    if (a.heads <= 0 || a.headDim <= 0 || a.keys <= 0)
        throw std::invalid_argument("kernels: decode attention needs heads, a head size and keys");
    if (!a.q || !a.k || !a.v || !a.out)
        throw std::invalid_argument("kernels: decode attention without q, k, v or out");
    if ((a.heads > 1 && (a.qStride < a.headDim || a.outStride < a.headDim)) ||
        (a.keys > 1 && (a.kStride < a.headDim || a.vStride < a.headDim)))
        throw std::invalid_argument("kernels: decode attention rows overlap (stride below the head size)");
}

} // namespace

void attendDecodeRef(const DecodeAttention &a)
{
    check(a);
    std::vector<float> p(static_cast<std::size_t>(a.keys));
    for (std::int64_t i = 0; i < a.heads; ++i) {
        const float *q = a.q + i * a.qStride;
        float top = -std::numeric_limits<float>::infinity();
        for (std::int64_t t = 0; t < a.keys; ++t) {
            const float *k = a.k + t * a.kStride;
            float s = 0;
            for (std::int64_t d = 0; d < a.headDim; ++d)
                s += q[d] * k[d];
            p[std::size_t(t)] = s * a.scale;
            top = std::max(top, p[std::size_t(t)]);
        }
        float sum = 0;
        for (float &x : p) {
            x = std::exp(x - top);
            sum += x;
        }
        float *o = a.out + i * a.outStride;
        std::fill(o, o + a.headDim, 0.0f);
        for (std::int64_t t = 0; t < a.keys; ++t) {
            const float *v = a.v + t * a.vStride;
            for (std::int64_t d = 0; d < a.headDim; ++d)
                o[d] += p[std::size_t(t)] * v[d];
        }
        const float inv = 1.0f / sum;
        for (std::int64_t d = 0; d < a.headDim; ++d)
            o[d] *= inv;
    }
}

void attendDecode(const DecodeAttention &a, Backend backend)
{
    check(a);
    if (availableBackend(backend) == Backend::Scalar) {
        attendDecodeRef(a);
        return;
    }
    x86::attendDecodeAvx2(a);
}

} // namespace lieq::kernels
