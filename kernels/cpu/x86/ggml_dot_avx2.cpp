// The AVX2 build of the ggml block dots (ggml_dot_impl.h).
#define LIEQ_X86_NS x86
#include "kernels/cpu/x86/ggml_dot_impl.h"

#include "kernels/fp16.h"

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

} // namespace lieq::kernels::x86
