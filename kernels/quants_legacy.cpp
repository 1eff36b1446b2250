// Q4_0, Q8_0 and Q8_K: one scale per block, no search.
#include "kernels/ggml_quants.h"
#include "kernels/quant_search.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace lieq::kernels {

using detail::nearestInt;

void quantizeRowQ4_0Ref(const float *x, BlockQ4_0 *y, std::int64_t k)
{
    for (std::int64_t b = 0; b < k / kQK4_0; ++b, x += kQK4_0) {
        // The signed value of largest magnitude maps to code 0 (-8 d): the grid is asymmetric
        // in the direction that keeps that extreme exact.
        float amax = 0.0f, max = 0.0f;
        for (int j = 0; j < kQK4_0; ++j) {
            if (amax < std::fabs(x[j])) {
                amax = std::fabs(x[j]);
                max = x[j];
            }
        }
        const float d = max / -8;
        const float id = d ? 1.0f / d : 0.0f;
        y[b].d = fp32ToFp16(d);
        for (int j = 0; j < kQK4_0 / 2; ++j) {
            // Truncation after +8.5 is rounding half up for the shifted code.
            const auto lo = std::uint8_t(std::min(15, int(std::int8_t(x[j] * id + 8.5f))));
            const auto hi =
                std::uint8_t(std::min(15, int(std::int8_t(x[j + kQK4_0 / 2] * id + 8.5f))));
            y[b].qs[j] = std::uint8_t(lo | (hi << 4));
        }
    }
}

void dequantizeRowQ4_0(const BlockQ4_0 *x, float *y, std::int64_t k)
{
    for (std::int64_t b = 0; b < k / kQK4_0; ++b, y += kQK4_0) {
        const float d = fp16ToFp32(x[b].d);
        for (int j = 0; j < kQK4_0 / 2; ++j) {
            y[j] = float((x[b].qs[j] & 0x0f) - 8) * d;
            y[j + kQK4_0 / 2] = float((x[b].qs[j] >> 4) - 8) * d;
        }
    }
}

void quantizeRowQ8_0Ref(const float *x, BlockQ8_0 *y, std::int64_t k)
{
    for (std::int64_t b = 0; b < k / kQK8_0; ++b, x += kQK8_0) {
        float amax = 0.0f;
        for (int j = 0; j < kQK8_0; ++j)
            amax = std::max(amax, std::fabs(x[j]));
        const float d = amax / 127;
        const float id = d ? 1.0f / d : 0.0f;
        y[b].d = fp32ToFp16(d);
        for (int j = 0; j < kQK8_0; ++j)
            y[b].qs[j] = std::int8_t(std::round(x[j] * id));
    }
}

void dequantizeRowQ8_0(const BlockQ8_0 *x, float *y, std::int64_t k)
{
    for (std::int64_t b = 0; b < k / kQK8_0; ++b, y += kQK8_0) {
        const float d = fp16ToFp32(x[b].d);
        for (int j = 0; j < kQK8_0; ++j)
            y[j] = float(x[b].qs[j]) * d;
    }
}

void quantizeRowQ8KRef(const float *x, BlockQ8K *y, std::int64_t k)
{
    for (std::int64_t b = 0; b < k / kQKK; ++b, x += kQKK) {
        float amax = 0, max = 0;
        for (int j = 0; j < kQKK; ++j) {
            if (std::fabs(x[j]) > amax) {
                amax = std::fabs(x[j]);
                max = x[j];
            }
        }
        if (!amax) {
            y[b].d = 0;
            std::memset(y[b].qs, 0, sizeof y[b].qs);
            std::memset(y[b].bsums, 0, sizeof y[b].bsums);
            continue;
        }
        // -127 (not -128) keeps every code in [-127, 127], so sign tricks in SIMD dots hold.
        const float iscale = -127.f / max;
        for (int j = 0; j < kQKK; ++j)
            y[b].qs[j] = std::int8_t(std::min(127, nearestInt(iscale * x[j])));
        for (int j = 0; j < kQKK / 16; ++j) {
            int sum = 0;
            for (int i = 0; i < 16; ++i)
                sum += y[b].qs[16 * j + i];
            y[b].bsums[j] = std::int16_t(sum);
        }
        y[b].d = 1 / iscale;
    }
}

void dequantizeRowQ8K(const BlockQ8K *x, float *y, std::int64_t k)
{
    for (std::int64_t b = 0; b < k / kQKK; ++b, y += kQKK)
        for (int j = 0; j < kQKK; ++j)
            y[j] = x[b].d * float(x[b].qs[j]);
}

} // namespace lieq::kernels
