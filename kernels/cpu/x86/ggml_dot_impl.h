// Products of unsigned codes with signed int8 activations go through vpmaddubsw (pairs summed
// to int16; every type keeps |code * 127 * 2| below 2^15), then vpmaddwd with the sub-block
// scales as int16 (pairs summed to int32). Offsets (Q3_K's -4, Q6_K's -32) and Q2_K/Q4_K
// mins come from the activations' per-16 sums (bsums), as in ggml.
// This body is compiled twice, in namespace LIEQ_X86_NS: ggml_dot_avx2.cpp (x86, AVX2+FMA+F16C)
// and ggml_dot_vnni.cpp (x86vnni, plus AVX512-VNNI/VL: vpdpbusd/vpdpwssd fuse the multiply, pair
// sum and add); the integer sums are the same, so are the results.
#pragma once

#ifndef LIEQ_X86_NS
#error "define LIEQ_X86_NS before including ggml_dot_impl.h"
#endif

#include "kernels/cpu/x86/ggml_dot_avx2.h"

#include "kernels/ggml_blocks.h"

#include <immintrin.h>

#include <cstring>

namespace lieq::kernels::LIEQ_X86_NS {

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

// fp16 -> fp32 by F16C (exact, like fp16ToFp32, without its branches: a block's scales are
// converted once per 18..210 bytes of weights, and the software version weighed on Q4_0/Q8_0).
inline float h2f(fp16_t h)
{
    return _cvtsh_ss(h);
}

// Byte shuffles that take int16 element k in every int16 of the low 128-bit half and k + 1 in
// the high half, for k = 0, 2, 4, 6 of a 128-bit lane broadcast to both halves.
alignas(32) constexpr std::uint8_t kPairMasks[4][32] = {
    {0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3},
    {4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7},
    {8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11},
    {12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15}};

// Byte shuffles that broadcast int16 element k (0..7) of a 128-bit lane to all of its eight.
alignas(32) constexpr std::uint8_t kWordMasks[8][32] = {
    {0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1},
    {2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3},
    {4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5},
    {6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7},
    {8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9},
    {10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11},
    {12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13},
    {14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15}};

inline __m256i wordOf(__m256i v, int k)
{
    return _mm256_shuffle_epi8(v, _mm256_load_si256(reinterpret_cast<const __m256i *>(kWordMasks[k])));
}

// The int16 scales of sub-blocks 8h + 2s (low half: 8 products) and 8h + 2s + 1 (high half),
// where `half` is half h of the 16 scales broadcast to both halves (halfOf).
inline __m256i pairOf(__m256i half, int s)
{
    return _mm256_shuffle_epi8(half, _mm256_load_si256(reinterpret_cast<const __m256i *>(kPairMasks[s])));
}

inline __m256i halfOf(__m256i scales16, int h)
{
    return h == 0 ? _mm256_permute2x128_si256(scales16, scales16, 0x00)
                  : _mm256_permute2x128_si256(scales16, scales16, 0x11);
}

// Sum of (signed codes) x (signed activations) over 32 int8 pairs, as 8 int32.
// (|w| <= 128 and |x| <= 127: vpmaddubsw's pair sums never saturate, so both builds agree.)
inline __m256i signedDot(__m256i w, __m256i x)
{
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w));
#else
    const __m256i p = _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w));
    return _mm256_madd_epi16(p, _mm256_set1_epi16(1));
#endif
}

// acc + the int16 pairs of a times those of b, summed per int32 lane (one vpdpwssd with VNNI).
inline __m256i addPairs(__m256i acc, __m256i a, __m256i b)
{
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
    return _mm256_dpwssd_epi32(acc, a, b);
#else
    return _mm256_add_epi32(acc, _mm256_madd_epi16(a, b));
#endif
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
        const float d = h2f(w[b].d) * h2f(x[b].d);
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
        const float d = h2f(w[b].d) * h2f(x[b].d);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sum), acc);
    }
    return hsum(acc);
}

float dotQ2K(std::int64_t n, const void *wv, const void *xv)
{
    const auto *w = static_cast<const BlockQ2K *>(wv);
    const auto *x = static_cast<const BlockQ8K *>(xv);
    __m256 acc = _mm256_setzero_ps(), accMin = _mm256_setzero_ps();
    const __m256i m2 = _mm256_set1_epi8(3);
    for (std::int64_t b = 0; b < n / kQKK; ++b) {
        const __m128i sc8 = _mm_loadu_si128(reinterpret_cast<const __m128i *>(w[b].scales));
        const __m256i mins16 = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(sc8, 4), _mm_set1_epi8(0x0f)));
        const __m256i scales16 = _mm256_cvtepu8_epi16(_mm_and_si128(sc8, _mm_set1_epi8(0x0f)));
        const __m256i minProd = _mm256_madd_epi16(mins16, loadu(x[b].bsums));
        __m256i sumi = _mm256_setzero_si256();
        for (int h = 0; h < 2; ++h) {
            const __m256i q = loadu(w[b].qs + 32 * h);
            const __m256i half = halfOf(scales16, h);
            for (int s = 0; s < 4; ++s) {
                const __m256i codes = _mm256_and_si256(_mm256_srli_epi16(q, 2 * s), m2);
                const __m256i p = _mm256_maddubs_epi16(codes, loadu(x[b].qs + 128 * h + 32 * s));
                sumi = addPairs(sumi, p, pairOf(half, s));
            }
        }
        const float d = x[b].d * h2f(w[b].d);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
        accMin = _mm256_fmadd_ps(_mm256_set1_ps(x[b].d * h2f(w[b].dmin)), _mm256_cvtepi32_ps(minProd), accMin);
    }
    return hsum(acc) - hsum(accMin);
}

float dotQ3K(std::int64_t n, const void *wv, const void *xv)
{
    const auto *w = static_cast<const BlockQ3K *>(wv);
    const auto *x = static_cast<const BlockQ8K *>(xv);
    __m256 acc = _mm256_setzero_ps();
    const __m256i m2 = _mm256_set1_epi8(3), four = _mm256_set1_epi8(4);
    for (std::int64_t b = 0; b < n / kQKK; ++b) {
        // The 16 6-bit scales (low 4 bits in bytes 0..7, high 2 bits in bytes 8..11), unpacked
        // four per 32-bit word as ggml does, kept in registers (no store-forwarding stall).
        std::uint32_t aux[3];
        std::memcpy(aux, w[b].scales, 12);
        const std::uint32_t high = aux[2], low4 = 0x0f0f0f0fu, low2 = 0x03030303u;
        const std::uint32_t s0 = (aux[0] & low4) | ((high & low2) << 4);
        const std::uint32_t s1 = (aux[1] & low4) | (((high >> 2) & low2) << 4);
        const std::uint32_t s2 = ((aux[0] >> 4) & low4) | (((high >> 4) & low2) << 4);
        const std::uint32_t s3 = ((aux[1] >> 4) & low4) | (((high >> 6) & low2) << 4);
        const __m256i scales16 = _mm256_cvtepi8_epi16(
            _mm_sub_epi8(_mm_setr_epi32(int(s0), int(s1), int(s2), int(s3)), _mm_set1_epi8(32)));
        // The -4 offset of every code, through the activation sums: 4 * scale * bsum per
        // 16 values, taken off the integer sum as a vector.
        const __m256i offset = _mm256_slli_epi32(_mm256_madd_epi16(scales16, loadu(x[b].bsums)), 2);
        const __m256i hm = loadu(w[b].hmask);
        __m256i sumi = _mm256_setzero_si256();
        for (int h = 0; h < 2; ++h) {
            const __m256i q = loadu(w[b].qs + 32 * h);
            const __m256i half = halfOf(scales16, h);
            for (int s = 0; s < 4; ++s) {
                const __m256i bit = _mm256_set1_epi8(char(1 << (4 * h + s)));
                const __m256i high = _mm256_and_si256(
                    _mm256_cmpeq_epi8(_mm256_and_si256(hm, bit), bit), four);
                const __m256i codes =
                    _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 2 * s), m2), high);
                const __m256i p = _mm256_maddubs_epi16(codes, loadu(x[b].qs + 128 * h + 32 * s));
                sumi = addPairs(sumi, p, pairOf(half, s));
            }
        }
        const float d = x[b].d * h2f(w[b].d);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(_mm256_sub_epi32(sumi, offset)), acc);
    }
    return hsum(acc);
}

float dotQ4K(std::int64_t n, const void *wv, const void *xv)
{
    const auto *w = static_cast<const BlockQ4K *>(wv);
    const auto *x = static_cast<const BlockQ8K *>(xv);
    __m256 acc = _mm256_setzero_ps();
    __m128 accMin = _mm_setzero_ps();
    const __m256i m4 = _mm256_set1_epi8(0x0f);
    for (std::int64_t b = 0; b < n / kQKK; ++b) {
        // detail::scaleMinK4 for all eight at once (ggml's unpacking), kept in registers (a
        // vector load of words just stored stalls on store forwarding): scales in bytes 0..7,
        // mins in bytes 8..15, widened to int16.
        std::uint32_t u[3];
        std::memcpy(u, w[b].scales, 12);
        const std::uint32_t low6 = 0x3f3f3f3fu, low4 = 0x0f0f0f0fu, low2 = 0x03030303u;
        const std::uint32_t s0 = u[0] & low6, m0 = u[1] & low6;
        const std::uint32_t s1 = (u[2] & low4) | (((u[0] >> 6) & low2) << 4);
        const std::uint32_t m1 = ((u[2] >> 4) & low4) | (((u[1] >> 6) & low2) << 4);
        const __m256i sm16 = _mm256_cvtepu8_epi16(_mm_setr_epi32(int(s0), int(s1), int(m0), int(m1)));
        // Mins against the activation sums of their 32 values (pairs of 16-value bsums),
        // accumulated as vectors and summed once at the end.
        const __m256i bsums = loadu(x[b].bsums);
        const __m128i sums32 = _mm_hadd_epi16(_mm256_castsi256_si128(bsums), _mm256_extracti128_si256(bsums, 1));
        const __m128i minProd = _mm_madd_epi16(_mm256_extracti128_si256(sm16, 1), sums32);
        accMin = _mm_fmadd_ps(_mm_set1_ps(x[b].d * h2f(w[b].dmin)), _mm_cvtepi32_ps(minProd), accMin);
        const __m256i scales = _mm256_permute2x128_si256(sm16, sm16, 0x00);
        __m256i sumi = _mm256_setzero_si256();
        for (int p = 0; p < 4; ++p) {
            const __m256i q = loadu(w[b].qs + 32 * p);
            const __m256i lo = _mm256_maddubs_epi16(_mm256_and_si256(q, m4), loadu(x[b].qs + 64 * p));
            const __m256i hi = _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(q, 4), m4),
                                                    loadu(x[b].qs + 64 * p + 32));
            sumi = addPairs(sumi, lo, wordOf(scales, 2 * p));
            sumi = addPairs(sumi, hi, wordOf(scales, 2 * p + 1));
        }
        const float d = x[b].d * h2f(w[b].d);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
    }
    __m128 m = _mm_add_ps(accMin, _mm_movehl_ps(accMin, accMin));
    m = _mm_add_ss(m, _mm_movehdup_ps(m));
    return hsum(acc) - _mm_cvtss_f32(m);
}

float dotQ6K(std::int64_t n, const void *wv, const void *xv)
{
    const auto *w = static_cast<const BlockQ6K *>(wv);
    const auto *x = static_cast<const BlockQ8K *>(xv);
    __m256 acc = _mm256_setzero_ps();
    const __m256i m4 = _mm256_set1_epi8(0x0f), m2 = _mm256_set1_epi8(3);
    for (std::int64_t b = 0; b < n / kQKK; ++b) {
        const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i *>(w[b].scales)));
        const __m256i offset = _mm256_slli_epi32(_mm256_madd_epi16(sc16, loadu(x[b].bsums)), 5);
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
            const __m256i half = halfOf(sc16, h);
            for (int q = 0; q < 4; ++q) {
                const __m256i p = _mm256_maddubs_epi16(codes[q], loadu(x[b].qs + 128 * h + 32 * q));
                sumi = addPairs(sumi, p, pairOf(half, q));
            }
        }
        const float d = x[b].d * h2f(w[b].d);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(_mm256_sub_epi32(sumi, offset)), acc);
    }
    return hsum(acc);
}

} // namespace

VecDotFn ggmlVecDotAvx2(QuantType type)
{
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
    // Measured on Zen 4 (1 thread, cache-resident): vpdpwssd on the block's serial integer sum
    // gained on Q3_K (+11%) but lost 2-5% on Q2_K/Q4_K/Q6_K (its latency lengthens the chain),
    // so those keep the AVX2 build; Q4_0/Q8_0 gain 3-9% from vpdpbusd.
    if (type == QuantType::Q2_K || type == QuantType::Q4_K || type == QuantType::Q6_K)
        return x86::ggmlVecDotAvx2(type);
#endif
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

} // namespace lieq::kernels::LIEQ_X86_NS
