// The AVX2 build of the ggml block dots (ggml_dot_impl.h).
#define LIEQ_X86_NS x86
#include "kernels/cpu/x86/ggml_dot_impl.h"

#include "kernels/fp16.h"
#include "kernels/ggml_quants.h"

#include <cmath>

namespace lieq::kernels::x86 {

void quantizeRowQ8_0Avx2(const float *x, void *yv, std::int64_t k)
{
    auto *y = static_cast<BlockQ8_0 *>(yv);
    const __m256 sign = _mm256_set1_ps(-0.0f), half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
    for (std::int64_t b = 0; b < k / kQK8_0; ++b, x += kQK8_0) {
        __m256 v[4];
        __m256 m = _mm256_setzero_ps();
        for (int j = 0; j < 4; ++j) {
            v[j] = _mm256_loadu_ps(x + 8 * j);
            m = _mm256_max_ps(m, _mm256_andnot_ps(sign, v[j]));
        }
        __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
        m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
        m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
        const float amax = _mm_cvtss_f32(m4);
        const float d = amax / 127;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[b].d = fp32ToFp16(d);
        const __m256 vid = _mm256_set1_ps(id);
        __m256i q[4];
        for (int j = 0; j < 4; ++j) {
            // std::round exactly: truncate, then one step away from zero when the (exact)
            // remainder is at least one half.
            const __m256 p = _mm256_mul_ps(v[j], vid);
            const __m256 t = _mm256_round_ps(p, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
            const __m256 away = _mm256_cmp_ps(_mm256_andnot_ps(sign, _mm256_sub_ps(p, t)), half, _CMP_GE_OQ);
            const __m256 step = _mm256_and_ps(away, _mm256_or_ps(_mm256_and_ps(p, sign), one));
            q[j] = _mm256_cvttps_epi32(_mm256_add_ps(t, step));
        }
        const __m256i bytes = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
        _mm256_storeu_si256(reinterpret_cast<__m256i *>(y[b].qs),
                            _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
    }
}

void quantizeRowQ8KAvx2(const float *x, void *yv, std::int64_t k)
{
    auto *y = static_cast<BlockQ8K *>(yv);
    const __m256 sign = _mm256_set1_ps(-0.0f), magic = _mm256_set1_ps(12582912.f);
    const __m256i mant = _mm256_set1_epi32(0x007fffff), bias = _mm256_set1_epi32(0x00400000);
    for (std::int64_t b = 0; b < k / kQKK; ++b, x += kQKK) {
        __m256 m = _mm256_setzero_ps();
        for (int j = 0; j < kQKK; j += 8)
            m = _mm256_max_ps(m, _mm256_andnot_ps(sign, _mm256_loadu_ps(x + j)));
        __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
        m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
        m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
        const float amax = _mm_cvtss_f32(m4);
        if (!(amax > 0.0f)) { // all zeros (or NaN): the reference's path, whatever it does
            quantizeRowQ8KRef(x, y + b, kQKK);
            continue;
        }
        // The reference keeps the first value of largest magnitude (its sign sets iscale's).
        int first = 0;
        while (std::fabs(x[first]) != amax)
            ++first;
        const float iscale = -127.f / x[first];
        const __m256 vis = _mm256_set1_ps(iscale);
        for (int j = 0; j < kQKK; j += 32) {
            __m256i c[4];
            for (int i = 0; i < 4; ++i) {
                // detail::nearestInt: the float sum with 1.5 * 2^23 rounds to nearest even.
                const __m256i bits = _mm256_castps_si256(_mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(x + j + 8 * i), vis), magic));
                c[i] = _mm256_sub_epi32(_mm256_and_si256(bits, mant), bias);
            }
            // Saturating packs clamp at 127 as the reference's min(127, .) does (codes are
            // >= -127 by the choice of iscale).
            const __m256i bytes = _mm256_packs_epi16(_mm256_packs_epi32(c[0], c[1]), _mm256_packs_epi32(c[2], c[3]));
            _mm256_storeu_si256(reinterpret_cast<__m256i *>(y[b].qs + j),
                                _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
        }
        // Sums of 16 codes: byte pairs, then pairs of those, then fours (vphaddd) per half.
        const __m256i ones8 = _mm256_set1_epi8(1), ones16 = _mm256_set1_epi16(1);
        for (int j = 0; j < kQKK; j += 128) {
            __m256i s4[4];
            for (int i = 0; i < 4; ++i)
                s4[i] = _mm256_madd_epi16(
                    _mm256_maddubs_epi16(ones8, _mm256_loadu_si256(reinterpret_cast<const __m256i *>(y[b].qs + j + 32 * i))),
                    ones16);
            // Per 128-bit half: [chunk0 a, chunk1 a, chunk2 a, chunk3 a] with a the half's group.
            const __m256i h = _mm256_hadd_epi32(_mm256_hadd_epi32(s4[0], s4[1]), _mm256_hadd_epi32(s4[2], s4[3]));
            // Low half: groups 0, 2, 4, 6 of these 128 codes; high half: 1, 3, 5, 7.
            const __m128i lo = _mm256_castsi256_si128(h), hi = _mm256_extracti128_si256(h, 1);
            const __m128i g = _mm_packs_epi32(_mm_unpacklo_epi32(lo, hi), _mm_unpackhi_epi32(lo, hi));
            _mm_storeu_si128(reinterpret_cast<__m128i *>(y[b].bsums + j / 16), g);
        }
        y[b].d = 1 / iscale;
    }
}

} // namespace lieq::kernels::x86
