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

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <vector>

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

#if defined(__GFNI__)
// vgf2p8affineqb matrices (byte 7 - i selects the input bits of output bit i): input bits
// from..from + count - 1 of every byte to bits 0.., the rest cleared.
constexpr long long fieldMatrix(int from, int count, int to = 0)
{
    std::uint64_t m = 0;
    for (int i = 0; i < count; ++i)
        m |= (std::uint64_t(1) << (from + i)) << (8 * (7 - (to + i)));
    return static_cast<long long>(m);
}

// Q2_K's lookup index for code slot S (1..3): bits 2S..2S+1 of each byte to bits 0-1, with
// 4S in bits 2-3 (the affine constant). S is a template argument because the constant must
// be an immediate at every optimisation level (at -O1 a loop counter is not unrolled into one).
template <int S> inline __m256i q2KIndexGfni(__m256i q)
{
    return _mm256_gf2p8affine_epi64_epi8(q, _mm256_set1_epi64x(fieldMatrix(2 * S, 2)), 4 * S);
}
#endif

// (v >> from) & mask per byte, mask = 2^count - 1 (one vgf2p8affineqb with GFNI, where the
// shift and the mask are two instructions; from = 0 is the mask alone either way).
inline __m256i bitsOf(__m256i v, int from, int count, __m256i mask)
{
    if (from == 0)
        return _mm256_and_si256(v, mask);
#if defined(__GFNI__)
    (void)mask;
    return _mm256_gf2p8affine_epi64_epi8(v, _mm256_set1_epi64x(fieldMatrix(from, count)), 0);
#else
    (void)count;
    return _mm256_and_si256(_mm256_srli_epi16(v, from), mask);
#endif
}

inline __m128i bitsOf(__m128i v, int from, int count, __m128i mask)
{
#if defined(__GFNI__)
    (void)mask;
    return _mm_gf2p8affine_epi64_epi8(v, _mm_set1_epi64x(fieldMatrix(from, count)), 0);
#else
    (void)count;
    return _mm_and_si128(_mm_srli_epi16(v, from), mask);
#endif
}

#if defined(__AVX512VBMI__) && defined(__AVX512VL__)
// vpermb indices of the int16 scale pairs of Q2_K's 32 codes (h, s): words 0..7 take scale
// byte 8h + 2s, words 8..15 byte 8h + 2s + 1 (odd bytes zeroed by the mask).
constexpr std::array<std::array<std::uint8_t, 32>, 8> scalePairIdx()
{
    std::array<std::array<std::uint8_t, 32>, 8> t{};
    for (int k = 0; k < 8; ++k)
        for (int i = 0; i < 32; ++i)
            t[std::size_t(k)][std::size_t(i)] = std::uint8_t(2 * k + (i >= 16 ? 1 : 0));
    return t;
}
alignas(32) constexpr std::array<std::array<std::uint8_t, 32>, 8> kScalePairIdx = scalePairIdx();
#endif

#if defined(__GFNI__)
// Bit `from` of every byte moved to bit `to`, the others cleared.
inline __m256i bitTo(__m256i v, int from, int to)
{
    return _mm256_gf2p8affine_epi64_epi8(v, _mm256_set1_epi64x(fieldMatrix(from, 1, to)), 0);
}
#endif

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

// Unsigned bytes u times signed bytes x, summed in fours into the int32 lanes of acc.
inline __m256i addDot(__m256i acc, __m256i u, __m256i x)
{
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
    return _mm256_dpbusd_epi32(acc, u, x);
#else
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, x), _mm256_set1_epi16(1)));
#endif
}

// The same for two byte pairs (u0, x0) and (u1, x1) into a zero accumulator. AVX2 adds the
// two int16 pair sums before widening (|sum| <= 4 * 255 * 127: no overflow when u <= 15).
inline __m256i dot2(__m256i u0, __m256i x0, __m256i u1, __m256i x1)
{
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
    return _mm256_dpbusd_epi32(_mm256_dpbusd_epi32(_mm256_setzero_si256(), u0, x0), u1, x1);
#else
    return _mm256_madd_epi16(_mm256_add_epi16(_mm256_maddubs_epi16(u0, x0), _mm256_maddubs_epi16(u1, x1)),
                             _mm256_set1_epi16(1));
#endif
}

inline __m256i load2x128(const void *lo, const void *hi)
{
    return _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128(static_cast<const __m128i *>(lo))),
                                   _mm_loadu_si128(static_cast<const __m128i *>(hi)), 1);
}


// acc + d * (the four integer sums of a Q3_K/Q6_K block less its offset), per lane.
inline __m256 addScaledSums(__m256 acc, const __m256i sums[4], __m256i offset, float d)
{
    const __m256i sumi = _mm256_add_epi32(_mm256_add_epi32(sums[0], sums[1]), _mm256_add_epi32(sums[2], sums[3]));
    return _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(_mm256_sub_epi32(sumi, offset)), acc);
}

// Software prefetch for the R-stream GEMVs (Q2_K, Q3_K, Q4_K; Q4_0's far rows use the same
// distance): each stream is a run of consecutive rows, so the bytes kStreamAhead past block b of
// row j are that stream's next ones (the next row's, past the row's end), two lines per block
// (blocks of 84-144 bytes) into L1. With eight (Q2_K: four) streams in flight the hardware
// prefetchers fell behind: bench_kernels, 1 thread, 4096x4096..4096x11008 at 36-48% of the read
// bandwidth for Q3_K without it and 59-97% with it in the same quiet run (512 bytes ahead; 256
// and 768 no better, L2 hints 1-2 KiB ahead worse). One row alone (R = 1, the VecDot) leaves it
// to the hardware.
constexpr std::int64_t kStreamAhead = 512;

template <int R, class Block>
inline void prefetchStream(const Block *w, std::int64_t b)
{
    if constexpr (R > 1) {
        const char *f = reinterpret_cast<const char *>(w + b) + kStreamAhead;
        _mm_prefetch(f, _MM_HINT_T0);
        _mm_prefetch(f + 64, _MM_HINT_T0);
    }
}

template <int R>
void dotQ8_0s(std::int64_t n, const std::uint8_t *const *rows, const void *xv, float *y)
{
    const auto *x = static_cast<const BlockQ8_0 *>(xv);
    __m256 acc[R];
    for (int j = 0; j < R; ++j)
        acc[j] = _mm256_setzero_ps();
    for (std::int64_t b = 0; b < n / kQK8_0; ++b) {
        for (int j = 0; j < R; ++j) {
            const auto *w = reinterpret_cast<const BlockQ8_0 *>(rows[j]);
            const __m256i sum = signedDot(loadu(w[b].qs), loadu(x[b].qs));
            const float d = h2f(w[b].d) * h2f(x[b].d);
            acc[j] = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sum), acc[j]);
        }
    }
    for (int j = 0; j < R; ++j)
        y[j] = hsum(acc[j]);
}

// Q2_K with the sub-block scales folded into the codes: code x scale (0..45) is looked up by
// vpshufb in a table of [0, sc, 2 sc, 3 sc] per sub-block (one 128-bit lane of a chunk of 32
// codes is one sub-block of 16; the four tables of a lane side by side, picked by the index's
// bits 2-3), so that one vpdpbusd (AVX2: vpmaddubsw + vpmaddwd) per 32 codes sums all eight
// chunks of a block into one vector, where scaling by int16 pairs took two multiplies per
// chunk. Lane k of that vector holds the same integer sum as before (bytes 4k..4k+3 of every
// chunk, each times its scale), so the float steps and their bits are unchanged. The tables
// cost two instructions per 128 codes (a byte shuffle of the scales, one vpmullw): in L2 this
// ran at 13.3-14.0 GB/s against 12.6-12.8 for the int16 scale pairs (an earlier byte lookup,
// vpermt2b + vpshufb, built its tables per 32 codes and was slower).
// Byte shuffles that put scale byte 8h + 2s + k (k: the 128-bit lane) into both int16 of
// dword s of the lane (high bytes zero).
alignas(32) constexpr std::array<std::array<std::uint8_t, 32>, 2> q2kTablePattern()
{
    std::array<std::array<std::uint8_t, 32>, 2> t{};
    for (int h = 0; h < 2; ++h)
        for (int k = 0; k < 2; ++k)
            for (int s = 0; s < 4; ++s)
                for (int c = 0; c < 4; ++c)
                    t[std::size_t(h)][std::size_t(16 * k + 4 * s + c)] = c % 2 == 1 ? 0x80 : std::uint8_t(8 * h + 2 * s + k);
    return t;
}
alignas(32) constexpr std::array<std::array<std::uint8_t, 32>, 2> kQ2KTablePattern = q2kTablePattern();

template <int R>
void dotQ2Ks(std::int64_t n, const std::uint8_t *const *rows, const void *xv, float *y)
{
    const auto *x = static_cast<const BlockQ8K *>(xv);
    __m256 acc[R], accMin[R];
    for (int j = 0; j < R; ++j)
        acc[j] = accMin[j] = _mm256_setzero_ps();
    const __m256i m2 = _mm256_set1_epi8(3);
    const __m256i times = _mm256_set1_epi32(0x03020100);
    for (std::int64_t b = 0; b < n / kQKK; ++b) {
        for (int j = 0; j < R; ++j) {
            const auto *w = reinterpret_cast<const BlockQ2K *>(rows[j]);
            prefetchStream<R>(w, b);
            const __m128i sc8 = _mm_loadu_si128(reinterpret_cast<const __m128i *>(w[b].scales));
            const __m256i mins16 = _mm256_cvtepu8_epi16(bitsOf(sc8, 4, 4, _mm_set1_epi8(0x0f)));
            const __m256i minProd = _mm256_madd_epi16(mins16, loadu(x[b].bsums));
            const __m256i scb = _mm256_broadcastsi128_si256(_mm_and_si128(sc8, _mm_set1_epi8(0x0f)));
            __m256i sum0 = _mm256_setzero_si256(), sum1 = _mm256_setzero_si256();
            for (int h = 0; h < 2; ++h) {
                // [sc, sc] as int16 per sub-block, times [0x0100, 0x0302]: bytes [0, sc, 2 sc, 3 sc].
                const __m256i pairs = _mm256_shuffle_epi8(scb, _mm256_load_si256(reinterpret_cast<const __m256i *>(kQ2KTablePattern[std::size_t(h)].data())));
                const __m256i table = _mm256_mullo_epi16(pairs, times);
                const __m256i q = loadu(w[b].qs + 32 * h);
                for (int s = 0; s < 4; ++s) {
                    // The code in bits 0-1 and s in bits 2-3 (which table of the lane).
                    __m256i idx;
                    if (s == 0)
                        idx = _mm256_and_si256(q, m2);
                    else
#if defined(__GFNI__)
                        idx = s == 1 ? q2KIndexGfni<1>(q) : s == 2 ? q2KIndexGfni<2>(q) : q2KIndexGfni<3>(q);
#else
                        idx = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 2 * s), m2), _mm256_set1_epi8(char(4 * s)));
#endif
                    const __m256i prod = _mm256_shuffle_epi8(table, idx);
                    const __m256i xs = loadu(x[b].qs + 128 * h + 32 * s);
                    if (s % 2 == 0)
                        sum0 = addDot(sum0, prod, xs);
                    else
                        sum1 = addDot(sum1, prod, xs);
                }
            }
            const __m256i sumi = _mm256_add_epi32(sum0, sum1);
            std::uint32_t dd16;
            std::memcpy(&dd16, &w[b].d, 4);
            const __m128 dd = _mm_mul_ps(_mm_cvtph_ps(_mm_cvtsi32_si128(int(dd16))), _mm_set1_ps(x[b].d));
            acc[j] = _mm256_fmadd_ps(_mm256_broadcastss_ps(dd), _mm256_cvtepi32_ps(sumi), acc[j]);
            accMin[j] = _mm256_fmadd_ps(_mm256_broadcastss_ps(_mm_movehdup_ps(dd)), _mm256_cvtepi32_ps(minProd), accMin[j]);
        }
    }
    for (int j = 0; j < R; ++j)
        y[j] = hsum(acc[j]) - hsum(accMin[j]);
}

// A Q3_K block's 16 6-bit scales less 32 as int16 (low 4 bits in bytes 0..7, high 2 bits in
// bytes 8..11), as ggml
// unpacks them, four per 32-bit word, but in one vector (the scalar unpacking was a
// fifth of the block's instructions; 11.9-12.0 GB/s in L2 against 10.6-11.2 with
// it, the same bits): with a0, a1, a2 the three words,
// s0 = (a0 & 0x0f..) | (a2 & 3..) << 4, s1 = (a1 & 0x0f..) | ((a2 >> 2) & 3..) << 4,
// s2 = ((a0 >> 4) & 0x0f..) | ((a2 >> 4) & 3..) << 4, s3 likewise from a1 and a2 >> 6.
// (The 16 bytes end with the scales: the last 4 of qs, then a0, a1, a2.)
inline __m256i q3kScales16(const BlockQ3K &w)
{
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(w.scales + 12) - 1);
    const __m128i low = _mm_and_si128(_mm_srlv_epi32(_mm_shuffle_epi32(v, _MM_SHUFFLE(2, 1, 2, 1)), _mm_setr_epi32(0, 0, 4, 4)),
                                      _mm_set1_epi8(0x0f));
    const __m128i high = _mm_slli_epi32(_mm_and_si128(_mm_srlv_epi32(_mm_shuffle_epi32(v, _MM_SHUFFLE(3, 3, 3, 3)), _mm_setr_epi32(0, 2, 4, 6)),
                                                      _mm_set1_epi8(3)), 4);
    return _mm256_cvtepi8_epi16(_mm_sub_epi8(_mm_or_si128(low, high), _mm_set1_epi8(32)));
}

#if defined(__AVX512VNNI__) && defined(__AVX512BW__) && defined(__GFNI__)
#define LIEQ_Q3K_ZMM 1
// Q3_K in 512-bit registers (VNNI build): 64 codes per step, chunks (h, 2u) and (h, 2u + 1)
// (x bytes 128h + 64u.. in a row; zmm 128-bit lane L is sub-block 4t + L, t = 2h + u). Each
// code's three bits are first gathered into one byte by a bit select (vpternlogd) of the
// broadcast qs half (bits 2s, 2s + 1) and the broadcast hmask (bit 4h + s, or the hmask with
// its nibbles swapped where that bit would collide with the qs field: t = 0 and 3), then moved
// to bits 0-2 by one vgf2p8affineqb whose matrix differs per 256-bit half. One vpermw gives
// the sub-blocks' int16 scales per lane. The int32 lanes of the two halves, added, are the
// AVX2 build's integer sums lane by lane, so the float steps and bits are the same.
struct Q3KZmmConsts
{
    long long sel[4][8];  // vpternlogd select masks (1: take the qs bit)
    long long code[4][8]; // vgf2p8affineqb matrices per qword
};

constexpr Q3KZmmConsts q3kZmmConsts()
{
    Q3KZmmConsts c{};
    for (int t = 0; t < 4; ++t) {
        const int h = t / 2, u = t % 2;
        const bool swapped = t == 0 || t == 3;
        for (int q = 0; q < 8; ++q) {
            const int s = 2 * u + (q >= 4 ? 1 : 0);
            const int k = 4 * h + s, p = swapped ? (k + 4) % 8 : k;
            std::uint64_t m = 0;
            for (int byte = 0; byte < 8; ++byte)
                m |= std::uint64_t(3u << (2 * s)) << (8 * byte);
            c.sel[t][q] = static_cast<long long>(m);
            c.code[t][q] = fieldMatrix(2 * s, 2, 0) | fieldMatrix(p, 1, 2);
        }
    }
    return c;
}
alignas(64) constexpr Q3KZmmConsts kQ3KZmm = q3kZmmConsts();

template <int R>
void dotQ3KsZmm(std::int64_t n, const std::uint8_t *const *rows, const void *xv, float *y)
{
    const auto *x = static_cast<const BlockQ8K *>(xv);
    std::array<__m256, R> acc{}; // zeros
    __m512i sel[4], code[4], perm[4];
    for (int t = 0; t < 4; ++t) {
        sel[t] = _mm512_load_si512(kQ3KZmm.sel[t]);
        code[t] = _mm512_load_si512(kQ3KZmm.code[t]);
        // Word w of lane L: scale 4t + L.
        perm[t] = _mm512_add_epi16(_mm512_set1_epi16(short(4 * t)),
                                   _mm512_srli_epi16(_mm512_set_epi16(31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16,
                                                                      15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0), 3));
    }
    const __m512i swapNibbles = _mm512_set1_epi64(fieldMatrix(0, 4, 4) | fieldMatrix(4, 4, 0));
    const std::int64_t nb = n / kQKK;
    for (std::int64_t b = 0; b < nb; ++b) {
        const __m256i bsums = loadu(x[b].bsums);
        for (int j = 0; j < R; ++j) {
            const auto *w = reinterpret_cast<const BlockQ3K *>(rows[j]);
            prefetchStream<R>(w, b);
            const __m256i scales16 = q3kScales16(w[b]);
            const __m256i offset = _mm256_slli_epi32(_mm256_madd_epi16(scales16, bsums), 2);
            const __m512i sc = _mm512_castsi256_si512(scales16);
            const __m512i hm = _mm512_broadcast_i64x4(loadu(w[b].hmask));
            const __m512i hmSwapped = _mm512_gf2p8affine_epi64_epi8(hm, swapNibbles, 0);
            __m512i sums[2] = {_mm512_setzero_si512(), _mm512_setzero_si512()};
            for (int t = 0; t < 4; ++t) {
                const __m512i q = _mm512_broadcast_i64x4(loadu(w[b].qs + 32 * (t / 2)));
                const __m512i bits = _mm512_ternarylogic_epi32(q, t == 0 || t == 3 ? hmSwapped : hm, sel[t], 0xE4);
                const __m512i codes = _mm512_gf2p8affine_epi64_epi8(bits, code[t], 0);
                const __m512i p = _mm512_maddubs_epi16(codes, _mm512_loadu_si512(x[b].qs + 64 * t));
                sums[t % 2] = _mm512_dpwssd_epi32(sums[t % 2], p, _mm512_permutexvar_epi16(perm[t], sc));
            }
            const __m512i sum = _mm512_add_epi32(sums[0], sums[1]);
            const __m256i sumi = _mm256_add_epi32(_mm512_castsi512_si256(sum), _mm512_extracti64x4_epi64(sum, 1));
            acc[j] = _mm256_fmadd_ps(_mm256_set1_ps(x[b].d * h2f(w[b].d)), _mm256_cvtepi32_ps(_mm256_sub_epi32(sumi, offset)), acc[j]);
        }
    }
    for (int j = 0; j < R; ++j)
        y[j] = hsum(acc[j]);
}
#endif

template <int R>
void dotQ3Ks(std::int64_t n, const std::uint8_t *const *rows, const void *xv, float *y)
{
#if defined(LIEQ_Q3K_ZMM)
    static const bool old = std::getenv("LIEQ_Q3K_OLD") != nullptr;
    if (!old)
        return dotQ3KsZmm<R>(n, rows, xv, y);
#endif
    const auto *x = static_cast<const BlockQ8K *>(xv);
    __m256 acc[R];
    for (int j = 0; j < R; ++j)
        acc[j] = _mm256_setzero_ps();
    const __m256i m2 = _mm256_set1_epi8(3);
    [[maybe_unused]] const __m256i four = _mm256_set1_epi8(4);
    for (std::int64_t b = 0; b < n / kQKK; ++b) {
        for (int j = 0; j < R; ++j) {
            const auto *w = reinterpret_cast<const BlockQ3K *>(rows[j]);
            prefetchStream<R>(w, b);
            const __m256i scales16 = q3kScales16(w[b]);
            // The -4 offset of every code, through the activation sums: 4 * scale * bsum per
            // 16 values, taken off the integer sum as a vector.
            const __m256i offset = _mm256_slli_epi32(_mm256_madd_epi16(scales16, loadu(x[b].bsums)), 2);
            const __m256i hm = loadu(w[b].hmask);
            // Four integer sums (one per shift s), added at the end: one chain of eight vpdpwssd
            // (latency 4-5) per block was the limit. (Sub-block sums reduced by vphaddd and scaled
            // by one vpmaddwd measured 5-10% slower than this on Zen 4.)
            __m256i sums[4];
            for (int h = 0; h < 2; ++h) {
                const __m256i q = loadu(w[b].qs + 32 * h);
                const __m256i half = halfOf(scales16, h);
                for (int s = 0; s < 4; ++s) {
                    // Bit 4h + s of every hmask byte moved to bit 2 (16-bit shifts: the bits that
                    // cross a byte boundary are masked off).
                    const int k = 4 * h + s;
#if defined(__GFNI__)
                    const __m256i high = bitTo(hm, k, 2);
#else
                    const __m256i high = _mm256_and_si256(k < 2 ? _mm256_slli_epi16(hm, 2 - k) : _mm256_srli_epi16(hm, k - 2), four);
#endif
                    const __m256i codes = _mm256_or_si256(bitsOf(q, 2 * s, 2, m2), high);
                    const __m256i p = _mm256_maddubs_epi16(codes, loadu(x[b].qs + 128 * h + 32 * s));
                    sums[s] = h == 0 ? _mm256_madd_epi16(p, pairOf(half, s)) : addPairs(sums[s], p, pairOf(half, s));
                }
            }
            acc[j] = addScaledSums(acc[j], sums, offset, x[b].d * h2f(w[b].d));
        }
    }
    for (int j = 0; j < R; ++j)
        y[j] = hsum(acc[j]);
}

// Q4_K, 8 sub-blocks of 32: integer sums of codes times activations per int16 pair, times the
// sub-block's scale (vpdpwssd), offsets by the mins against the activation's 32-value sums.
// The 6-bit scales and mins are unpacked by vector shifts and masks (ggml's scalar unpacking
// was a third of the block's instructions), d and dmin converted together, the activation
// sums once per block for all R rows, and each scale set into both int16 of a dword once per
// block: 16.9-17.2 GB/s in L2 against 15.2-15.8 before, the same integer sums and float steps
// (so the same bits).
template <int R>
void dotQ4Ks(std::int64_t n, const std::uint8_t *const *rows, const void *xv, float *y)
{
    const auto *x = static_cast<const BlockQ8K *>(xv);
    __m256 acc[R];
    __m128 accMin[R];
    for (int j = 0; j < R; ++j) {
        acc[j] = _mm256_setzero_ps();
        accMin[j] = _mm_setzero_ps();
    }
    const __m256i m4 = _mm256_set1_epi8(0x0f);
    const __m128i shiftBy = _mm_setr_epi32(0, 0, 0, 4);
    const __m128i lowMask = _mm_setr_epi32(0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f, 0x0f0f0f0f);
    const __m128i highMask = _mm_setr_epi32(0, 0x03030303, 0, 0x03030303);
    alignas(32) std::int32_t pairTable[R][8];
    for (std::int64_t b = 0; b < n / kQKK; ++b) {
        const __m256i bsums = loadu(x[b].bsums);
        const __m128i sums32 = _mm_hadd_epi16(_mm256_castsi256_si128(bsums), _mm256_extracti128_si256(bsums, 1));
        const __m128 xd = _mm_set1_ps(x[b].d);
        for (int j = 0; j < R; ++j) {
            const auto *w = reinterpret_cast<const BlockQ4K *>(rows[j]);
            prefetchStream<R>(w, b);
            // u = the scale words u0, u1, u2 (and 4 bytes of qs): bytes of [s0 | s1 | m0 | m1]
            // with s0 = u0 & 0x3f.., s1 = (u2 & 0x0f..) | ((u0 >> 6) & 3..) << 4,
            // m0 = u1 & 0x3f.., m1 = ((u2 >> 4) & 0x0f..) | ((u1 >> 6) & 3..) << 4.
            const __m128i u = _mm_loadu_si128(reinterpret_cast<const __m128i *>(w[b].scales));
            const __m128i low = _mm_and_si128(_mm_srlv_epi32(_mm_shuffle_epi32(u, _MM_SHUFFLE(2, 1, 2, 0)), shiftBy), lowMask);
            const __m128i high = _mm_slli_epi32(_mm_and_si128(_mm_srli_epi32(_mm_shuffle_epi32(u, _MM_SHUFFLE(1, 1, 0, 0)), 6), highMask), 4);
            const __m128i packed = _mm_or_si128(low, high);
            // d and dmin (adjacent fp16) converted together, times the activation scale.
            std::uint32_t dd16;
            std::memcpy(&dd16, &w[b].d, 4);
            const __m128 dd = _mm_mul_ps(_mm_cvtph_ps(_mm_cvtsi32_si128(int(dd16))), xd);
            const __m128i minProd = _mm_madd_epi16(_mm_cvtepu8_epi16(_mm_srli_si128(packed, 8)), sums32);
            accMin[j] = _mm_fmadd_ps(_mm_permute_ps(dd, 0x55), _mm_cvtepi32_ps(minProd), accMin[j]);
            // Scale k in both int16 of dword k (a table, so that each of the 8 is one broadcast).
            const __m128i s16 = _mm_cvtepu8_epi16(packed);
            _mm256_store_si256(reinterpret_cast<__m256i *>(pairTable[j]),
                               _mm256_set_m128i(_mm_unpackhi_epi16(s16, s16), _mm_unpacklo_epi16(s16, s16)));
            __m256i sumLo = _mm256_setzero_si256(), sumHi = _mm256_setzero_si256(); // two chains
            for (int p = 0; p < 4; ++p) {
                const __m256i q = loadu(w[b].qs + 32 * p);
                const __m256i lo = _mm256_maddubs_epi16(_mm256_and_si256(q, m4), loadu(x[b].qs + 64 * p));
                const __m256i hi = _mm256_maddubs_epi16(bitsOf(q, 4, 4, m4), loadu(x[b].qs + 64 * p + 32));
                sumLo = addPairs(sumLo, lo, _mm256_set1_epi32(pairTable[j][2 * p]));
                sumHi = addPairs(sumHi, hi, _mm256_set1_epi32(pairTable[j][2 * p + 1]));
            }
            const __m256i sumi = _mm256_add_epi32(sumLo, sumHi);
            acc[j] = _mm256_fmadd_ps(_mm256_broadcastss_ps(dd), _mm256_cvtepi32_ps(sumi), acc[j]);
        }
    }
    for (int j = 0; j < R; ++j) {
        __m128 m = _mm_add_ps(accMin[j], _mm_movehl_ps(accMin[j], accMin[j]));
        m = _mm_add_ss(m, _mm_movehdup_ps(m));
        y[j] = hsum(acc[j]) - _mm_cvtss_f32(m);
    }
}

template <int R>
void dotQ6Ks(std::int64_t n, const std::uint8_t *const *rows, const void *xv, float *y)
{
    const auto *x = static_cast<const BlockQ8K *>(xv);
    __m256 acc[R];
    for (int j = 0; j < R; ++j)
        acc[j] = _mm256_setzero_ps();
    const __m256i m4 = _mm256_set1_epi8(0x0f), m2 = _mm256_set1_epi8(3);
    for (std::int64_t b = 0; b < n / kQKK; ++b) {
        for (int j = 0; j < R; ++j) {
            const auto *w = reinterpret_cast<const BlockQ6K *>(rows[j]);
            const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i *>(w[b].scales)));
            const __m256i offset = _mm256_slli_epi32(_mm256_madd_epi16(sc16, loadu(x[b].bsums)), 5);
            __m256i sums[4]; // independent chains (see dotQ3K)
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
                    sums[q] = h == 0 ? _mm256_madd_epi16(p, pairOf(half, q)) : addPairs(sums[q], p, pairOf(half, q));
                }
            }
            acc[j] = addScaledSums(acc[j], sums, offset, x[b].d * h2f(w[b].d));
        }
    }
    for (int j = 0; j < R; ++j)
        y[j] = hsum(acc[j]);
}

// How far ahead of the rows in use the GEMVs prefetch (bytes; Q4_0: past the next group).
constexpr std::int64_t kAheadBytes = 16 << 10;

// Q4_0 GEMV, four rows and two blocks per step. Codes stay unsigned (0..15) so that one
// vpdpbusd (AVX2: vpmaddubsw) takes them without the sign trick; the -8 comes off as 8 times
// the activation block's sum. A step's 4 x 2 integer sums are reduced by vphaddd into one
// vector, lane k row k's even block, lane 4 + k its odd block, scaled there by the 8 weight
// scales times the activation scales (8 scalar loads of the fp16 scales: vpgatherdd was 20%
// slower). Row k's sum is lane k + lane 4 + k.
// Per row, the float steps do not depend on the other rows of the step (rows past the end
// repeat the last one), so a row's result is the same in any split and alone.
// The four rows of a step are far apart (i, i + q, i + 2q, i + 3q with q = rows / 4), four
// sequential streams as in gemvStreams, each prefetched kStreamAhead ahead; the rows left over
// go as neighbours. Neighbouring rows everywhere ($LIEQ_Q40_OLD, the same-run baseline of
// bench_kernels) ran 1.22x slower (median of 22 interleaved pairs over 4 shapes, 1 thread).
void gemvQ4_0(std::int64_t n, const void *wv, std::int64_t rowBytes, std::int64_t rows,
              const void *xv, float *y)
{
    const auto *x = static_cast<const BlockQ8_0 *>(xv);
    const auto *base = static_cast<const std::uint8_t *>(wv);
    const std::int64_t nb = n / kQK4_0, pairs = (nb + 1) / 2;
    // Per block pair: the activation scales [d_b x4 | d_b+1 x4] and 8 x their sums, likewise.
    thread_local std::vector<float> xdv;
    thread_local std::vector<std::int32_t> xsv;
    xdv.resize(std::size_t(8 * pairs));
    xsv.resize(std::size_t(8 * pairs));
    float *xd = xdv.data();
    std::int32_t *xs = xsv.data();
    static const BlockQ8_0 zeroX{};
    static const BlockQ4_0 zeroW{};
    const __m256i ones = _mm256_set1_epi8(1);
    for (std::int64_t p = 0; p < pairs; ++p) {
        const BlockQ8_0 &x0 = x[2 * p], &x1 = 2 * p + 1 < nb ? x[2 * p + 1] : zeroX;
        const __m256i sum = dot2(ones, load2x128(x0.qs, x1.qs), ones, load2x128(x0.qs + 16, x1.qs + 16));
        const __m256i s4 = _mm256_hadd_epi32(sum, sum);
        _mm256_storeu_si256(reinterpret_cast<__m256i *>(xs + 8 * p), _mm256_slli_epi32(_mm256_hadd_epi32(s4, s4), 3));
        _mm256_storeu_ps(xd + 8 * p, _mm256_set_m128(_mm_set1_ps(h2f(x1.d)), _mm_set1_ps(h2f(x0.d))));
    }
    const __m256i m4 = _mm256_set1_epi8(0x0f);
    const std::int64_t total = rows * rowBytes;
    static const bool old = std::getenv("LIEQ_Q40_OLD") != nullptr;
    const std::int64_t q = old ? 0 : rows / 4; // far streams: rows i, i + q, i + 2q, i + 3q
    for (std::int64_t r0 = 0; r0 < rows; r0 += 4) {
        const bool far = r0 < 4 * q;
        const std::int64_t i = r0 / 4, stride = far ? q : 1, first = far ? i : r0;
        const std::uint8_t *row[4];
        for (int k = 0; k < 4; ++k)
            row[k] = base + std::min(first + k * stride, rows - 1) * rowBytes;
        __m256 acc = _mm256_setzero_ps();
        // Neighbouring rows: four row streams at once are more than the hardware prefetchers
        // keep up with from memory (4096x4096: 34% of the read bandwidth without this, against
        // 61% for one row at a time in the same run): the rows after these (back to back in
        // memory) are prefetched into L2 as one linear region, 144 bytes (the step's share of
        // four rows) per step, kAheadBytes past the next four rows.
        const std::int64_t ahead = (r0 + 4) * rowBytes + kAheadBytes;
        for (std::int64_t p = 0; p < pairs; ++p) {
            const std::int64_t b = 2 * p;
            const bool full = b + 1 < nb;
            if (far) {
                for (int k = 0; k < 4; ++k)
                    _mm_prefetch(reinterpret_cast<const char *>(row[k] + 36 * p) + kStreamAhead, _MM_HINT_T0);
            } else if (ahead + 144 * p < total) {
                const char *f = reinterpret_cast<const char *>(base + ahead + 144 * p);
                _mm_prefetch(f, _MM_HINT_T1);
                _mm_prefetch(f + 64, _MM_HINT_T1);
                _mm_prefetch(f + 128, _MM_HINT_T1);
            }
            const BlockQ8_0 &x0 = x[b], &x1 = full ? x[b + 1] : zeroX;
            const __m256i xlo = load2x128(x0.qs, x1.qs), xhi = load2x128(x0.qs + 16, x1.qs + 16);
            __m256i s[4];
            for (int k = 0; k < 4; ++k) {
                const auto *w0 = reinterpret_cast<const BlockQ4_0 *>(row[k]) + b;
                const __m256i q = load2x128(w0->qs, full ? w0[1].qs : zeroW.qs);
                s[k] = dot2(_mm256_and_si256(q, m4), xlo, _mm256_and_si256(_mm256_srli_epi16(q, 4), m4), xhi);
            }
            const __m256i sums = _mm256_sub_epi32(
                _mm256_hadd_epi32(_mm256_hadd_epi32(s[0], s[1]), _mm256_hadd_epi32(s[2], s[3])), loadu(xs + 8 * p));
            const auto d16 = [&](int k, std::int64_t blk) {
                std::uint16_t v;
                std::memcpy(&v, row[k] + blk * 18, 2);
                return v;
            };
            const std::int64_t b1 = full ? b + 1 : b;
            const __m128i h = _mm_setr_epi16(short(d16(0, b)), short(d16(1, b)), short(d16(2, b)), short(d16(3, b)),
                                             short(d16(0, b1)), short(d16(1, b1)), short(d16(2, b1)), short(d16(3, b1)));
            const __m256 dwf = _mm256_cvtph_ps(h);
            acc = _mm256_fmadd_ps(_mm256_mul_ps(dwf, _mm256_loadu_ps(xd + 8 * p)), _mm256_cvtepi32_ps(sums), acc);
        }
        alignas(32) float a[8];
        _mm256_store_ps(a, acc);
        for (int k = 0; k < 4 && first + k * stride < rows; ++k)
            y[first + k * stride] = a[k] + a[4 + k];
    }
}

float dotQ4_0(std::int64_t n, const void *wv, const void *xv)
{
    float y;
    gemvQ4_0(n, wv, 0, 1, xv, &y);
    return y;
}

// The type's dot for one row (the VecDotFn).
template <void (*Dots)(std::int64_t, const std::uint8_t *const *, const void *, float *)>
float dotRow(std::int64_t n, const void *w, const void *x)
{
    const std::uint8_t *row[1] = {static_cast<const std::uint8_t *>(w)};
    float y;
    Dots(n, row, x, &y);
    return y;
}

// R rows per pass, taken from R far-apart parts of the matrix (rows i, i + q, i + 2q, ... with
// q = rows / R): R long sequential streams, each through pages of its own, which the hardware
// prefetchers run ahead of in parallel (one stream from memory is bounded by the latency
// of its few misses in flight), while the activation block is shared in L1. Each row's steps
// are those of the one-row dot, so its bits are too. The rows left over go one at a time.
template <int R, void (*DotsR)(std::int64_t, const std::uint8_t *const *, const void *, float *),
          void (*Dots1)(std::int64_t, const std::uint8_t *const *, const void *, float *)>
void gemvStreams(std::int64_t n, const void *w, std::int64_t rowBytes, std::int64_t rows,
                 const void *x, float *y)
{
    const auto *p = static_cast<const std::uint8_t *>(w);
    const std::int64_t q = rows / R;
    for (std::int64_t i = 0; i < q; ++i) {
        const std::uint8_t *row[R];
        float out[R];
        for (int j = 0; j < R; ++j)
            row[j] = p + (i + j * q) * rowBytes;
        DotsR(n, row, x, out);
        for (int j = 0; j < R; ++j)
            y[i + j * q] = out[j];
    }
    for (std::int64_t r = R * q; r < rows; ++r) {
        const std::uint8_t *row[1] = {p + r * rowBytes};
        Dots1(n, row, x, y + r);
    }
}

// Streams per type (bench_kernels, 1 thread, % of the read bandwidth on its 8 shapes, R = 1
// before / 4 / 8 interleaved in one quiet run: Q2_K 55-82 / 87-106 / 80-100, Q3_K 53-72 / 62-83
// / 73-89, Q4_K 60-76 / 77-131 / 77-117, Q6_K 66-79 / 79-113 / 93-129, Q8_0 60-73 / 105-134 /
// 114-147). Eight of the register-hungry Q2_K body ran slower in L2 (12 against 14 GB/s).
constexpr int kStreamsQ2K = 4, kStreams = 8;

} // namespace

VecDotFn ggmlVecDotAvx2(QuantType type)
{
    switch (type) {
    case QuantType::Q4_0: return dotQ4_0;
    case QuantType::Q8_0: return dotRow<dotQ8_0s<1>>;
    case QuantType::Q2_K: return dotRow<dotQ2Ks<1>>;
    case QuantType::Q3_K: return dotRow<dotQ3Ks<1>>;
    case QuantType::Q4_K: return dotRow<dotQ4Ks<1>>;
    case QuantType::Q6_K: return dotRow<dotQ6Ks<1>>;
    default: return nullptr;
    }
}

GemvRowsFn ggmlGemvAvx2(QuantType type)
{
    switch (type) {
    case QuantType::Q4_0: return gemvQ4_0;
    case QuantType::Q8_0: return gemvStreams<kStreams, dotQ8_0s<kStreams>, dotQ8_0s<1>>;
    case QuantType::Q2_K: return gemvStreams<kStreamsQ2K, dotQ2Ks<kStreamsQ2K>, dotQ2Ks<1>>;
    case QuantType::Q3_K: return gemvStreams<kStreams, dotQ3Ks<kStreams>, dotQ3Ks<1>>;
    case QuantType::Q4_K: return gemvStreams<kStreams, dotQ4Ks<kStreams>, dotQ4Ks<1>>;
    case QuantType::Q6_K: return gemvStreams<kStreams, dotQ6Ks<kStreams>, dotQ6Ks<1>>;
    default: return nullptr;
    }
}

} // namespace lieq::kernels::LIEQ_X86_NS
