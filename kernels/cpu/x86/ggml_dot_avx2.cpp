// Products of unsigned codes with signed int8 activations go through vpmaddubsw (pairs summed
// to int16; every type keeps |code * 127 * 2| below 2^15), then vpmaddwd with the sub-block
// scales as int16 (pairs summed to int32). Offsets (Q3_K's -4, Q6_K's -32) and Q2_K/Q4_K
// mins come from the activations' per-16 sums (bsums), as in ggml.
#include "kernels/cpu/x86/ggml_dot_avx2.h"

#include "kernels/ggml_blocks.h"
#include "kernels/quant_search.h"

#include <immintrin.h>

#include <cstring>

namespace lieq::kernels::x86 {

namespace {

inline __m256i loadu(const void *p)
{
    return _mm256_loadu_si256(static_cast<const __m256i *>(p));
}

inline float hsum(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

inline int hsumInt(__m256i v)
{
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    return _mm_cvtsi128_si32(s);
}

// int16 scale a for the low 128-bit half (8 products) and b for the high half.
inline __m256i scalePair(int a, int b)
{
    return _mm256_setr_m128i(_mm_set1_epi16(std::int16_t(a)), _mm_set1_epi16(std::int16_t(b)));
}

// Sum of (signed codes) x (signed activations) over 32 int8 pairs, as 8 int32.
inline __m256i signedDot(__m256i w, __m256i x)
{
    const __m256i p = _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w));
    return _mm256_madd_epi16(p, _mm256_set1_epi16(1));
}

float dotQ4_0(std::int64_t n, const void *wv, const void *xv)
{
    const auto *w = static_cast<const BlockQ4_0 *>(wv);
    const auto *x = static_cast<const BlockQ8_0 *>(xv);
    __m256 acc = _mm256_setzero_ps();
    const __m256i m4 = _mm256_set1_epi8(0x0f), eight = _mm256_set1_epi8(8);
    for (std::int64_t b = 0; b < n / kQK4_0; ++b) {
        const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i *>(w[b].qs));
        const __m256i codes = _mm256_and_si256(
            _mm256_setr_m128i(q, _mm_srli_epi16(q, 4)), m4);
        const __m256i sum = signedDot(_mm256_sub_epi8(codes, eight), loadu(x[b].qs));
        const float d = fp16ToFp32(w[b].d) * fp16ToFp32(x[b].d);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sum), acc);
    }
    return hsum(acc);
}

float dotQ8_0(std::int64_t n, const void *wv, const void *xv)
{
    const auto *w = static_cast<const BlockQ8_0 *>(wv);
    const auto *x = static_cast<const BlockQ8_0 *>(xv);
    __m256 acc = _mm256_setzero_ps();
    for (std::int64_t b = 0; b < n / kQK8_0; ++b) {
        const __m256i sum = signedDot(loadu(w[b].qs), loadu(x[b].qs));
        const float d = fp16ToFp32(w[b].d) * fp16ToFp32(x[b].d);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sum), acc);
    }
    return hsum(acc);
}

float dotQ2K(std::int64_t n, const void *wv, const void *xv)
{
    const auto *w = static_cast<const BlockQ2K *>(wv);
    const auto *x = static_cast<const BlockQ8K *>(xv);
    __m256 acc = _mm256_setzero_ps();
    float minTerm = 0;
    const __m256i m2 = _mm256_set1_epi8(3);
    for (std::int64_t b = 0; b < n / kQKK; ++b) {
        const __m128i sc8 = _mm_loadu_si128(reinterpret_cast<const __m128i *>(w[b].scales));
        const __m256i mins16 = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(sc8, 4), _mm_set1_epi8(0x0f)));
        const int mins = hsumInt(_mm256_madd_epi16(mins16, loadu(x[b].bsums)));
        __m256i sumi = _mm256_setzero_si256();
        for (int h = 0; h < 2; ++h) {
            const __m256i q = loadu(w[b].qs + 32 * h);
            for (int s = 0; s < 4; ++s) {
                const __m256i codes = _mm256_and_si256(_mm256_srli_epi16(q, 2 * s), m2);
                const __m256i p = _mm256_maddubs_epi16(codes, loadu(x[b].qs + 128 * h + 32 * s));
                const int j = 8 * h + 2 * s;
                sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(
                    p, scalePair(w[b].scales[j] & 0xf, w[b].scales[j + 1] & 0xf)));
            }
        }
        const float d = x[b].d * fp16ToFp32(w[b].d);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
        minTerm += x[b].d * fp16ToFp32(w[b].dmin) * float(mins);
    }
    return hsum(acc) - minTerm;
}

float dotQ3K(std::int64_t n, const void *wv, const void *xv)
{
    const auto *w = static_cast<const BlockQ3K *>(wv);
    const auto *x = static_cast<const BlockQ8K *>(xv);
    __m256 acc = _mm256_setzero_ps();
    const __m256i m2 = _mm256_set1_epi8(3), four = _mm256_set1_epi8(4);
    for (std::int64_t b = 0; b < n / kQKK; ++b) {
        std::int16_t sc[16];
        for (int j = 0; j < 16; ++j) {
            const int low = j < 8 ? w[b].scales[j] & 0xf : w[b].scales[j - 8] >> 4;
            sc[j] = std::int16_t((low | (((w[b].scales[8 + j % 4] >> (2 * (j / 4))) & 3) << 4)) - 32);
        }
        // The -4 offset of every code, through the activation sums.
        const int offset = hsumInt(_mm256_madd_epi16(loadu(sc), loadu(x[b].bsums)));
        const __m256i hm = loadu(w[b].hmask);
        __m256i sumi = _mm256_setzero_si256();
        for (int h = 0; h < 2; ++h) {
            const __m256i q = loadu(w[b].qs + 32 * h);
            for (int s = 0; s < 4; ++s) {
                const __m256i bit = _mm256_set1_epi8(char(1 << (4 * h + s)));
                const __m256i high = _mm256_and_si256(
                    _mm256_cmpeq_epi8(_mm256_and_si256(hm, bit), bit), four);
                const __m256i codes =
                    _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 2 * s), m2), high);
                const __m256i p = _mm256_maddubs_epi16(codes, loadu(x[b].qs + 128 * h + 32 * s));
                const int j = 8 * h + 2 * s;
                sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(p, scalePair(sc[j], sc[j + 1])));
            }
        }
        const float d = x[b].d * fp16ToFp32(w[b].d);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d),
                              _mm256_cvtepi32_ps(_mm256_sub_epi32(sumi, _mm256_setr_epi32(4 * offset, 0, 0, 0, 0, 0, 0, 0))),
                              acc);
    }
    return hsum(acc);
}

float dotQ4K(std::int64_t n, const void *wv, const void *xv)
{
    const auto *w = static_cast<const BlockQ4K *>(wv);
    const auto *x = static_cast<const BlockQ8K *>(xv);
    __m256 acc = _mm256_setzero_ps();
    float minTerm = 0;
    const __m256i m4 = _mm256_set1_epi8(0x0f);
    for (std::int64_t b = 0; b < n / kQKK; ++b) {
        std::uint8_t sc[8];
        std::int16_t mins[16];
        for (int j = 0; j < 8; ++j) {
            std::uint8_t m;
            detail::scaleMinK4(j, w[b].scales, &sc[j], &m);
            mins[2 * j] = mins[2 * j + 1] = m;
        }
        const int minSum = hsumInt(_mm256_madd_epi16(loadu(mins), loadu(x[b].bsums)));
        __m256i sumi = _mm256_setzero_si256();
        for (int p = 0; p < 4; ++p) {
            const __m256i q = loadu(w[b].qs + 32 * p);
            const __m256i lo = _mm256_maddubs_epi16(_mm256_and_si256(q, m4), loadu(x[b].qs + 64 * p));
            const __m256i hi = _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(q, 4), m4),
                                                    loadu(x[b].qs + 64 * p + 32));
            sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(lo, _mm256_set1_epi16(sc[2 * p])));
            sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(hi, _mm256_set1_epi16(sc[2 * p + 1])));
        }
        const float d = x[b].d * fp16ToFp32(w[b].d);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
        minTerm += x[b].d * fp16ToFp32(w[b].dmin) * float(minSum);
    }
    return hsum(acc) - minTerm;
}

float dotQ6K(std::int64_t n, const void *wv, const void *xv)
{
    const auto *w = static_cast<const BlockQ6K *>(wv);
    const auto *x = static_cast<const BlockQ8K *>(xv);
    __m256 acc = _mm256_setzero_ps();
    const __m256i m4 = _mm256_set1_epi8(0x0f), m2 = _mm256_set1_epi8(3);
    for (std::int64_t b = 0; b < n / kQKK; ++b) {
        const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i *>(w[b].scales)));
        const int offset = hsumInt(_mm256_madd_epi16(sc16, loadu(x[b].bsums)));
        __m256i sumi = _mm256_setzero_si256();
        for (int h = 0; h < 2; ++h) {
            const __m256i ql0 = loadu(w[b].ql + 64 * h), ql1 = loadu(w[b].ql + 64 * h + 32);
            const __m256i qh = loadu(w[b].qh + 32 * h);
            const __m256i codes[4] = {
                _mm256_or_si256(_mm256_and_si256(ql0, m4), _mm256_slli_epi16(_mm256_and_si256(qh, m2), 4)),
                _mm256_or_si256(_mm256_and_si256(ql1, m4),
                                _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2), m2), 4)),
                _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), m4),
                                _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 4), m2), 4)),
                _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), m4),
                                _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 6), m2), 4))};
            for (int q = 0; q < 4; ++q) {
                const __m256i p = _mm256_maddubs_epi16(codes[q], loadu(x[b].qs + 128 * h + 32 * q));
                const int j = 8 * h + 2 * q;
                sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(p, scalePair(w[b].scales[j], w[b].scales[j + 1])));
            }
        }
        const float d = x[b].d * fp16ToFp32(w[b].d);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d),
                              _mm256_cvtepi32_ps(_mm256_sub_epi32(sumi, _mm256_setr_epi32(32 * offset, 0, 0, 0, 0, 0, 0, 0))),
                              acc);
    }
    return hsum(acc);
}

} // namespace

VecDotFn ggmlVecDotAvx2(QuantType type)
{
    switch (type) {
    case QuantType::Q4_0: return dotQ4_0;
    case QuantType::Q8_0: return dotQ8_0;
    case QuantType::Q2_K: return dotQ2K;
    case QuantType::Q3_K: return dotQ3K;
    case QuantType::Q4_K: return dotQ4K;
    case QuantType::Q6_K: return dotQ6K;
    default: return nullptr;
    }
}

} // namespace lieq::kernels::x86
