// Q2_K and Q3_K: 16 sub-blocks of 16 per 256, sub-block scales quantized against a
// super-block scale.
#include "kernels/ggml_quants.h"
#include "kernels/quant_search.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace lieq::kernels {

using detail::nearestInt;

namespace {

// The 2-bit codes of a 256-value block: qs[32 c + l] holds values 128 h + 32 s + l (s = 0..3,
// two bits each from the bottom) for half h, c = h.
void packTwoBitCodes(const std::uint8_t *L, std::uint8_t *qs)
{
    for (int h = 0; h < kQKK; h += 128)
        for (int l = 0; l < 32; ++l)
            qs[h / 4 + l] = std::uint8_t(L[h + l] | (L[h + l + 32] << 2) | (L[h + l + 64] << 4) |
                                         (L[h + l + 96] << 6));
}

// The 6-bit signed scale j (stored + 32) of a Q3_K block.
int q3kScale(const std::uint8_t *scales, int j)
{
    const int low = j < 8 ? scales[j] & 0xf : scales[j - 8] >> 4;
    const int high = (scales[8 + j % 4] >> (2 * (j / 4))) & 3;
    return (low | (high << 4)) - 32;
}

} // namespace

void quantizeRowQ2KRef(const float *x, BlockQ2K *y, std::int64_t k)
{
    std::uint8_t L[kQKK], Laux[16];
    float weights[16], mins[kQKK / 16], scales[kQKK / 16];
    const float q4scale = 15.f;
    for (std::int64_t b = 0; b < k / kQKK; ++b, x += kQKK) {
        BlockQ2K &out = y[b];
        float maxScale = 0, maxMin = 0; // scales and mins are non-negative here
        for (int j = 0; j < kQKK / 16; ++j) {
            for (int l = 0; l < 16; ++l)
                weights[l] = std::fabs(x[16 * j + l]);
            scales[j] = detail::makeQkx2Quants(16, 3, x + 16 * j, weights, L + 16 * j, &mins[j],
                                               Laux, -0.5f, 0.1f, 15, true);
            maxScale = std::max(maxScale, scales[j]);
            maxMin = std::max(maxMin, mins[j]);
        }
        if (maxScale > 0) {
            const float iscale = q4scale / maxScale;
            for (int j = 0; j < kQKK / 16; ++j)
                out.scales[j] = std::uint8_t(nearestInt(iscale * scales[j]));
            out.d = fp32ToFp16(maxScale / q4scale);
        } else {
            std::memset(out.scales, 0, sizeof out.scales);
            out.d = fp32ToFp16(0.f);
        }
        if (maxMin > 0) {
            const float iscale = q4scale / maxMin;
            for (int j = 0; j < kQKK / 16; ++j)
                out.scales[j] |= std::uint8_t(nearestInt(iscale * mins[j]) << 4);
            out.dmin = fp32ToFp16(maxMin / q4scale);
        } else {
            out.dmin = fp32ToFp16(0.f);
        }
        // Re-derive the codes against the scales as stored (4-bit, fp16).
        for (int j = 0; j < kQKK / 16; ++j) {
            const float d = fp16ToFp32(out.d) * float(out.scales[j] & 0xf);
            if (!d)
                continue;
            const float dm = fp16ToFp32(out.dmin) * float(out.scales[j] >> 4);
            for (int i = 0; i < 16; ++i) {
                const int l = nearestInt((x[16 * j + i] + dm) / d);
                L[16 * j + i] = std::uint8_t(std::max(0, std::min(3, l)));
            }
        }
        packTwoBitCodes(L, out.qs);
    }
}

void dequantizeRowQ2K(const BlockQ2K *x, float *y, std::int64_t k)
{
    for (std::int64_t b = 0; b < k / kQKK; ++b) {
        const float d = fp16ToFp32(x[b].d), dmin = fp16ToFp32(x[b].dmin);
        const std::uint8_t *q = x[b].qs;
        int is = 0;
        for (int h = 0; h < kQKK; h += 128, q += 32) {
            for (int shift = 0; shift < 8; shift += 2) {
                for (int half = 0; half < 2; ++half) {
                    const std::uint8_t sc = x[b].scales[is++];
                    const float dl = d * float(sc & 0xf), ml = dmin * float(sc >> 4);
                    for (int l = 0; l < 16; ++l)
                        *y++ = dl * float((q[16 * half + l] >> shift) & 3) - ml;
                }
            }
        }
    }
}

void quantizeRowQ3KRef(const float *x, BlockQ3K *y, std::int64_t k)
{
    std::int8_t L[kQKK];
    float scales[kQKK / 16];
    for (std::int64_t b = 0; b < k / kQKK; ++b, x += kQKK) {
        BlockQ3K &out = y[b];
        float maxScale = 0, amax = 0;
        for (int j = 0; j < kQKK / 16; ++j) {
            scales[j] = detail::makeQ3Quants(16, 4, x + 16 * j, L + 16 * j, true);
            if (std::fabs(scales[j]) > amax) {
                amax = std::fabs(scales[j]);
                maxScale = scales[j];
            }
        }
        std::memset(out.scales, 0, sizeof out.scales);
        if (maxScale) {
            // Scales as 6-bit signed values: low nibbles in bytes 0..7, the two high bits of
            // scale j at bit 2 (j / 4) of byte 8 + j % 4.
            const float iscale = -32.f / maxScale;
            for (int j = 0; j < kQKK / 16; ++j) {
                auto l = std::int8_t(nearestInt(iscale * scales[j]));
                l = std::int8_t(std::max<int>(-32, std::min<int>(31, l)) + 32);
                if (j < 8)
                    out.scales[j] = std::uint8_t(l & 0xf);
                else
                    out.scales[j - 8] |= std::uint8_t((l & 0xf) << 4);
                l = std::int8_t(l >> 4);
                out.scales[j % 4 + 8] |= std::uint8_t(l << (2 * (j / 4)));
            }
            out.d = fp32ToFp16(1 / iscale);
        } else {
            out.d = fp32ToFp16(0.f);
        }
        for (int j = 0; j < kQKK / 16; ++j) {
            const float d = fp16ToFp32(out.d) * float(q3kScale(out.scales, j));
            if (!d)
                continue;
            for (int i = 0; i < 16; ++i) {
                const int l = nearestInt(x[16 * j + i] / d);
                L[16 * j + i] = std::int8_t(std::max(-4, std::min(3, l)) + 4);
            }
        }
        // High bit of value j into bit j / 32 of hmask[j % 32]; low two bits as in Q2_K.
        std::memset(out.hmask, 0, sizeof out.hmask);
        std::uint8_t low[kQKK];
        for (int j = 0; j < kQKK; ++j) {
            if (L[j] > 3)
                out.hmask[j % 32] |= std::uint8_t(1u << (j / 32));
            low[j] = std::uint8_t(L[j] > 3 ? L[j] - 4 : L[j]);
        }
        packTwoBitCodes(low, out.qs);
    }
}

void dequantizeRowQ3K(const BlockQ3K *x, float *y, std::int64_t k)
{
    for (std::int64_t b = 0; b < k / kQKK; ++b) {
        const float dAll = fp16ToFp32(x[b].d);
        const std::uint8_t *q = x[b].qs;
        const std::uint8_t *hm = x[b].hmask;
        std::uint8_t m = 1;
        int is = 0;
        for (int h = 0; h < kQKK; h += 128, q += 32) {
            for (int shift = 0; shift < 8; shift += 2, m = std::uint8_t(m << 1)) {
                for (int half = 0; half < 2; ++half) {
                    const float dl = dAll * float(q3kScale(x[b].scales, is++));
                    for (int l = 16 * half; l < 16 * half + 16; ++l)
                        *y++ = dl * float(((q[l] >> shift) & 3) - ((hm[l] & m) ? 0 : 4));
                }
            }
        }
    }
}

} // namespace lieq::kernels
