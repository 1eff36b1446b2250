// Q4_K (8 sub-blocks of 32, 6-bit scales and mins) and Q6_K (16 sub-blocks of 16, int8 scales).
#include "kernels/ggml_quants.h"
#include "kernels/quant_search.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace lieq::kernels {

using detail::nearestInt;
using detail::scaleMinK4;

void quantizeRowQ4KRef(const float *x, BlockQ4K *y, std::int64_t k)
{
    std::uint8_t L[kQKK], Laux[32];
    float weights[32], mins[kQKK / 32], scales[kQKK / 32];
    for (std::int64_t b = 0; b < k / kQKK; ++b, x += kQKK) {
        BlockQ4K &out = y[b];
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < kQKK / 32; ++j) {
            // Error weights: the sub-block's RMS plus each value's magnitude.
            float sumX2 = 0;
            for (int l = 0; l < 32; ++l)
                sumX2 += x[32 * j + l] * x[32 * j + l];
            const float avX = std::sqrt(sumX2 / 32);
            for (int l = 0; l < 32; ++l)
                weights[l] = avX + std::fabs(x[32 * j + l]);
            scales[j] = detail::makeQkx2Quants(32, 15, x + 32 * j, weights, L + 32 * j, &mins[j],
                                               Laux, -1.f, 0.1f, 20, false);
            maxScale = std::max(maxScale, scales[j]);
            maxMin = std::max(maxMin, mins[j]);
        }
        const float invScale = maxScale > 0 ? 63.f / maxScale : 0.f;
        const float invMin = maxMin > 0 ? 63.f / maxMin : 0.f;
        for (int j = 0; j < kQKK / 32; ++j) {
            const auto ls = std::uint8_t(std::min<int>(63, std::uint8_t(nearestInt(invScale * scales[j]))));
            const auto lm = std::uint8_t(std::min<int>(63, std::uint8_t(nearestInt(invMin * mins[j]))));
            if (j < 4) {
                out.scales[j] = ls;
                out.scales[j + 4] = lm;
            } else {
                out.scales[j + 4] = std::uint8_t((ls & 0xf) | ((lm & 0xf) << 4));
                out.scales[j - 4] |= std::uint8_t((ls >> 4) << 6);
                out.scales[j] |= std::uint8_t((lm >> 4) << 6);
            }
        }
        out.d = fp32ToFp16(maxScale / 63.f);
        out.dmin = fp32ToFp16(maxMin / 63.f);
        for (int j = 0; j < kQKK / 32; ++j) {
            std::uint8_t sc, m;
            scaleMinK4(j, out.scales, &sc, &m);
            const float d = fp16ToFp32(out.d) * float(sc);
            if (!d)
                continue;
            const float dm = fp16ToFp32(out.dmin) * float(m);
            for (int i = 0; i < 32; ++i) {
                const int l = nearestInt((x[32 * j + i] + dm) / d);
                L[32 * j + i] = std::uint8_t(std::max(0, std::min(15, l)));
            }
        }
        // Each 64 values share 32 bytes: the first 32 in low nibbles, the next 32 in high ones.
        for (int j = 0; j < kQKK; j += 64)
            for (int l = 0; l < 32; ++l)
                out.qs[j / 2 + l] = std::uint8_t(L[j + l] | (L[j + l + 32] << 4));
    }
}

void dequantizeRowQ4K(const BlockQ4K *x, float *y, std::int64_t k)
{
    for (std::int64_t b = 0; b < k / kQKK; ++b) {
        const std::uint8_t *q = x[b].qs;
        const float d = fp16ToFp32(x[b].d), min = fp16ToFp32(x[b].dmin);
        for (int is = 0; is < kQKK / 32; is += 2, q += 32) {
            std::uint8_t sc, m;
            scaleMinK4(is, x[b].scales, &sc, &m);
            const float d1 = d * float(sc), m1 = min * float(m);
            scaleMinK4(is + 1, x[b].scales, &sc, &m);
            const float d2 = d * float(sc), m2 = min * float(m);
            for (int l = 0; l < 32; ++l)
                *y++ = d1 * float(q[l] & 0xf) - m1;
            for (int l = 0; l < 32; ++l)
                *y++ = d2 * float(q[l] >> 4) - m2;
        }
    }
}

void quantizeRowQ6KRef(const float *x, BlockQ6K *y, std::int64_t k)
{
    std::int8_t L[kQKK];
    float scales[kQKK / 16];
    for (std::int64_t b = 0; b < k / kQKK; ++b, x += kQKK) {
        BlockQ6K &out = y[b];
        float maxScale = 0, maxAbsScale = 0;
        for (int j = 0; j < kQKK / 16; ++j) {
            scales[j] = detail::makeQxQuants(16, 32, x + 16 * j, L + 16 * j, 1, nullptr);
            if (std::fabs(scales[j]) > maxAbsScale) {
                maxAbsScale = std::fabs(scales[j]);
                maxScale = scales[j];
            }
        }
        if (maxAbsScale < 1e-15f) {
            std::memset(&out, 0, sizeof out);
            continue;
        }
        const float iscale = -128.f / maxScale;
        out.d = fp32ToFp16(1 / iscale);
        for (int j = 0; j < kQKK / 16; ++j)
            out.scales[j] = std::int8_t(std::min(127, nearestInt(iscale * scales[j])));
        for (int j = 0; j < kQKK / 16; ++j) {
            const float d = fp16ToFp32(out.d) * float(out.scales[j]);
            if (!d)
                continue;
            for (int i = 0; i < 16; ++i) {
                const int l = nearestInt(x[16 * j + i] / d);
                L[16 * j + i] = std::int8_t(std::max(-32, std::min(31, l)) + 32);
            }
        }
        // Per 128 values: low nibbles of values l and l + 64 share ql[l], of l + 32 and l + 96
        // share ql[l + 32]; the four high bit pairs of l, l + 32, l + 64, l + 96 fill qh[l].
        std::uint8_t *ql = out.ql;
        std::uint8_t *qh = out.qh;
        for (int j = 0; j < kQKK; j += 128, ql += 64, qh += 32) {
            for (int l = 0; l < 32; ++l) {
                const int v0 = L[j + l], v1 = L[j + l + 32], v2 = L[j + l + 64], v3 = L[j + l + 96];
                ql[l] = std::uint8_t((v0 & 0xf) | ((v2 & 0xf) << 4));
                ql[l + 32] = std::uint8_t((v1 & 0xf) | ((v3 & 0xf) << 4));
                qh[l] = std::uint8_t((v0 >> 4) | ((v1 >> 4) << 2) | ((v2 >> 4) << 4) | ((v3 >> 4) << 6));
            }
        }
    }
}

void dequantizeRowQ6K(const BlockQ6K *x, float *y, std::int64_t k)
{
    for (std::int64_t b = 0; b < k / kQKK; ++b) {
        const float d = fp16ToFp32(x[b].d);
        const std::uint8_t *ql = x[b].ql;
        const std::uint8_t *qh = x[b].qh;
        const std::int8_t *sc = x[b].scales;
        for (int n = 0; n < kQKK; n += 128, y += 128, ql += 64, qh += 32, sc += 8) {
            for (int l = 0; l < 32; ++l) {
                const int is = l / 16;
                const int q1 = ((ql[l] & 0xf) | (((qh[l] >> 0) & 3) << 4)) - 32;
                const int q2 = ((ql[l + 32] & 0xf) | (((qh[l] >> 2) & 3) << 4)) - 32;
                const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                y[l] = d * float(sc[is]) * float(q1);
                y[l + 32] = d * float(sc[is + 2]) * float(q2);
                y[l + 64] = d * float(sc[is + 4]) * float(q3);
                y[l + 96] = d * float(sc[is + 6]) * float(q4);
            }
        }
    }
}

} // namespace lieq::kernels
