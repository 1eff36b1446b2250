// GPTQ v1 GEMV/GEMM with AVX2 (and AVX512-VNNI where the including file is compiled with it). Lanes are outputs: one 256-bit load takes the same qweight word
// of 8 consecutive outputs. Codes are decoded into bytes, four codes of one output per 32-bit
// lane, and multiplied with int8 activations by vpmaddubsw (u8 x s8 pairs -> s16), so a block
// of 32 inputs costs 8 multiply instructions per activation row whatever the bit-width.
// Decoding per bit-width (k = input offset inside the block; code vector j pairs with
// activations 4j..4j+3 of the reordered block):
//   4 bits  word w: low nibbles (inputs 8w + 0,2,4,6) and high nibbles (8w + 1,3,5,7)
//   2 bits  word w, shift 2s: inputs 16w + s + {0,4,8,12}
//   3 bits  the 3 words are one 96-bit stream of 32 codes: 24-bit pieces spread to bytes
//   8 bits  int16 halves and vpmaddwd (u8 codes x s8 activations would saturate vpmaddubsw)
// This body is compiled twice, in namespace LIEQ_X86_NS: gptq_avx2.cpp (x86, AVX2+FMA+F16C) and
// gptq_vnni.cpp (x86vnni, the same plus AVX512-VNNI/VL); matmul() picks one by cpuid.
#pragma once

#ifndef LIEQ_X86_NS
#error "define LIEQ_X86_NS before including gptq_kernels_impl.h"
#endif

#include "kernels/cpu/x86/gptq_avx2.h"

#include <immintrin.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace lieq::kernels::LIEQ_X86_NS {

namespace {

constexpr int kMaxRowsPerPass = 4;

// Integer dot steps. With AVX512-VNNI (+VL, on 256-bit registers) one vpdpbusd / vpdpwssd does
// what takes a multiply, a pair sum and an add in AVX2. The sums are the same integers: the AVX2
// path's int16 partial sums never saturate (at most 8 x 2 x 15 x 127 = 30480 for 4 bits).
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
// Two accumulators taken in turn (step j into j & 1): vpdpbusd's latency on one chain of 8
// limited the 2-bit GEMV (cache-resident gptq2 62 -> 68 Gw/s with two; from memory 55 -> 62% of
// the read bandwidth).
struct ByteDot
{
    __m256i v[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()};
    void add(int j, __m256i codes, __m256i x) { v[j & 1] = _mm256_dpbusd_epi32(v[j & 1], codes, x); }
    __m256i sum() const { return _mm256_add_epi32(v[0], v[1]); }
};
inline __m256i addPairs(__m256i acc, __m256i a, __m256i b)
{
    return _mm256_dpwssd_epi32(acc, a, b);
}
#else
// u8 x s8 pairs summed to int16 across one block (8 steps), widened once at the end.
struct ByteDot
{
    __m256i v = _mm256_setzero_si256();
    void add(int, __m256i codes, __m256i x) { v = _mm256_add_epi16(v, _mm256_maddubs_epi16(codes, x)); }
    __m256i sum() const { return _mm256_madd_epi16(v, _mm256_set1_epi16(1)); }
};
inline __m256i addPairs(__m256i acc, __m256i a, __m256i b)
{
    return _mm256_add_epi32(acc, _mm256_madd_epi16(a, b));
}
#endif

inline __m256i load8(const std::int32_t *p)
{
    return _mm256_loadu_si256(reinterpret_cast<const __m256i *>(p));
}

inline __m256i broadcast4(const std::int8_t *p)
{
    std::int32_t v;
    std::memcpy(&v, p, 4);
    return _mm256_set1_epi32(v);
}

// Four 3-bit codes at bits 0, 3, 6, 9 of each lane -> bytes 0..3.
inline __m256i spread3(__m256i t)
{
    const __m256i low12 = _mm256_and_si256(t, _mm256_set1_epi32(0xfff));
    const __m256i pairs = _mm256_and_si256(_mm256_or_si256(low12, _mm256_slli_epi32(low12, 10)),
                                           _mm256_set1_epi32(0x003f003f));
    return _mm256_and_si256(_mm256_or_si256(pairs, _mm256_slli_epi32(pairs, 5)),
                            _mm256_set1_epi32(0x07070707));
}

// Decodes the 8 code vectors of one 32-input block (bits 2, 3, 4) starting at qweight row
// `row` (word stride n), calling use(j, codes) for j = 0..7.
template <int Bits, typename Use>
inline void decodeBlock(const std::int32_t *qw, std::int64_t n, Use &&use)
{
    if constexpr (Bits == 4) {
        const __m256i m4 = _mm256_set1_epi8(0x0f);
        for (int w = 0; w < 4; ++w) {
            const __m256i word = load8(qw + w * n);
            use(2 * w, _mm256_and_si256(word, m4));
            use(2 * w + 1, _mm256_and_si256(_mm256_srli_epi32(word, 4), m4));
        }
    } else if constexpr (Bits == 2) {
        const __m256i m2 = _mm256_set1_epi8(0x03);
        for (int w = 0; w < 2; ++w) {
            const __m256i word = load8(qw + w * n);
            use(4 * w, _mm256_and_si256(word, m2));
            use(4 * w + 1, _mm256_and_si256(_mm256_srli_epi32(word, 2), m2));
            use(4 * w + 2, _mm256_and_si256(_mm256_srli_epi32(word, 4), m2));
            use(4 * w + 3, _mm256_and_si256(_mm256_srli_epi32(word, 6), m2));
        }
    } else {
        const __m256i w0 = load8(qw), w1 = load8(qw + n), w2 = load8(qw + 2 * n);
#if defined(__AVX512VBMI__) && defined(__AVX512VL__)
        // vpmultishiftqb takes 8 bits at any bit offset of a qword (two outputs' lanes) into
        // each byte: four codes per lane in one instruction and a mask, where spread3 takes
        // seven. A field may run past its lane (bit 29 + 8): only its low 3 bits are kept.
        // Codes 0..7 are w0's bits 0..23; 24..31 w2's bits 8..31; 8..15 and 16..23 cross a
        // word boundary and are taken from the joined words as before.
        // (The zero-masking form: GCC 12's plain intrinsic warns of an undefined source.)
        const auto bitFields = [](__m256i ctrl, __m256i v) { return _mm256_maskz_multishift_epi64_epi8(~__mmask32(0), ctrl, v); };
        const __m256i m3 = _mm256_set1_epi8(0x07);
        const __m256i c0 = _mm256_set1_epi64x(0x2926232009060300), c1 = _mm256_set1_epi64x(0x35322f2c15120f0c);
        const __m256i c0hi = _mm256_set1_epi64x(0x312e2b28110e0b08), c1hi = _mm256_set1_epi64x(0x3d3a37341d1a1714);
        const __m256i t1 = _mm256_or_si256(_mm256_srli_epi32(w0, 24), _mm256_slli_epi32(w1, 8));
        const __m256i t2 = _mm256_or_si256(_mm256_srli_epi32(w1, 16), _mm256_slli_epi32(w2, 16));
        use(0, _mm256_and_si256(bitFields(c0, w0), m3));
        use(1, _mm256_and_si256(bitFields(c1, w0), m3));
        use(2, _mm256_and_si256(bitFields(c0, t1), m3));
        use(3, _mm256_and_si256(bitFields(c1, t1), m3));
        use(4, _mm256_and_si256(bitFields(c0, t2), m3));
        use(5, _mm256_and_si256(bitFields(c1, t2), m3));
        use(6, _mm256_and_si256(bitFields(c0hi, w2), m3));
        use(7, _mm256_and_si256(bitFields(c1hi, w2), m3));
        return;
#endif
        const __m256i t[4] = {
            w0, _mm256_or_si256(_mm256_srli_epi32(w0, 24), _mm256_slli_epi32(w1, 8)),
            _mm256_or_si256(_mm256_srli_epi32(w1, 16), _mm256_slli_epi32(w2, 16)),
            _mm256_srli_epi32(w2, 8)};
        for (int p = 0; p < 4; ++p) {
            use(2 * p, spread3(t[p]));
            use(2 * p + 1, spread3(_mm256_srli_epi32(t[p], 12)));
        }
    }
}

// The zero points of outputs n0..n0+7 in group g, as floats.
inline __m256 zeros8(const GptqMatrix &w, std::int64_t g, std::int64_t n0)
{
    const GptqShape &s = w.shape;
    const auto *row = reinterpret_cast<const std::uint8_t *>(w.qzeros + g * s.qzerosCols());
    const std::int64_t rowBytes = s.qzerosCols() * 4, byte = n0 * s.bits / 8;
    std::uint64_t v = 0;
    std::memcpy(&v, row + byte, std::size_t(std::min<std::int64_t>(8, rowBytes - byte)));
    __m256i z;
    if (s.bits == 8) {
        z = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(std::int64_t(v)));
    } else {
        const int b = s.bits;
        const __m256i shifts = _mm256_setr_epi32(0, b, 2 * b, 3 * b, 4 * b, 5 * b, 6 * b, 7 * b);
        z = _mm256_srlv_epi32(_mm256_set1_epi32(std::int32_t(std::uint32_t(v))), shifts);
    }
    // v1 stores zero - 1: add it back modulo 2^bits.
    z = _mm256_and_si256(_mm256_add_epi32(z, _mm256_set1_epi32(1)),
                         _mm256_set1_epi32((1 << s.bits) - 1));
    return _mm256_cvtepi32_ps(z);
}

struct TileArgs
{
    const GptqMatrix *w;
    const GptqActivations *x;
    const GptqAvx2Input *in;
    float *y;
    std::int64_t ldy;
};

// Rows i0..i0+R-1 of activations against outputs n0..n0+7 over group g: adds
// scale * (sum_b d_b * dot_b - zero * groupSum) into y.
template <int Bits, int R>
void tileGroup(const TileArgs &a, std::int64_t g, std::int64_t n0, std::int64_t i0)
{
    const GptqMatrix &w = *a.w;
    const GptqShape &s = w.shape;
    const std::int64_t n = s.rows, blocks = a.x->blocks();
    const std::int64_t bpg = s.groups() == 1 ? blocks : s.groupSize / 32;
    const std::int64_t b0 = g * bpg, b1 = std::min(blocks, b0 + bpg);
    __m256 t[R];
    for (int r = 0; r < R; ++r)
        t[r] = _mm256_setzero_ps();
    for (std::int64_t b = b0; b < b1; ++b) {
        const std::int32_t *qw = w.qweight + b * Bits * n + n0;
        if constexpr (Bits == 8) {
            __m256i acc[R];
            for (int r = 0; r < R; ++r)
                acc[r] = _mm256_setzero_si256();
            const __m256i m = _mm256_set1_epi32(0x00ff00ff);
            for (int wd = 0; wd < 8; ++wd) {
                const __m256i word = load8(qw + wd * n);
                const __m256i even = _mm256_and_si256(word, m);
                const __m256i odd = _mm256_and_si256(_mm256_srli_epi32(word, 8), m);
                for (int r = 0; r < R; ++r) {
                    const std::int16_t *xq = a.in->q16.data() + (i0 + r) * a.x->paddedCols + 32 * b + 4 * wd;
                    std::int32_t xe, xo;
                    std::memcpy(&xe, xq, 4);
                    std::memcpy(&xo, xq + 2, 4);
                    acc[r] = addPairs(acc[r], even, _mm256_set1_epi32(xe));
                    acc[r] = addPairs(acc[r], odd, _mm256_set1_epi32(xo));
                }
            }
            for (int r = 0; r < R; ++r)
                t[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc[r]),
                                       _mm256_set1_ps(a.x->d[(i0 + r) * blocks + b]), t[r]);
        } else {
            ByteDot acc[R];
            const std::int8_t *xb[R];
            for (int r = 0; r < R; ++r)
                xb[r] = a.in->q8.data() + (i0 + r) * a.x->paddedCols + 32 * b;
            decodeBlock<Bits>(qw, n, [&](int j, __m256i codes) {
                for (int r = 0; r < R; ++r)
                    acc[r].add(0, codes, broadcast4(xb[r] + 4 * j)); // R rows: chains enough
            });
            for (int r = 0; r < R; ++r)
                t[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc[r].sum()),
                                       _mm256_set1_ps(a.x->d[(i0 + r) * blocks + b]), t[r]);
        }
    }
    const __m256 scale = _mm256_cvtph_ps(
        _mm_loadu_si128(reinterpret_cast<const __m128i *>(w.scales + g * n + n0)));
    const __m256 zero = zeros8(w, g, n0);
    const std::int64_t groups = s.groups();
    for (int r = 0; r < R; ++r) {
        float *yp = a.y + (i0 + r) * a.ldy + n0;
        const __m256 corrected =
            _mm256_fnmadd_ps(zero, _mm256_set1_ps(a.in->groupSums[(i0 + r) * groups + g]), t[r]);
        _mm256_storeu_ps(yp, _mm256_fmadd_ps(scale, corrected, _mm256_loadu_ps(yp)));
    }
}

#if defined(__AVX512VNNI__) && defined(__AVX512BW__)
#define LIEQ_GPTQ_ZMM 1
// gemvBits' pass for 2 and 4 bits in 512-bit registers (VNNI build): 16 outputs per step, half
// the instructions per weight byte of the 256-bit pass, whose integer sums (and so bits) it
// gives. The 2-bit GEMV was instruction-bound: ~12-13 GB/s with its matrix in cache, no faster
// than from memory. Returns where the 256-bit pass takes over (fewer than 16 outputs left).
template <int Bits>
std::int64_t gemvPassZmm(const std::int32_t *qrow, std::int64_t n, const std::int32_t *ahead,
                         const std::int8_t *xq, __m512 d, float *t, std::int64_t nBegin,
                         std::int64_t nEnd)
{
    static_assert(Bits == 2 || Bits == 4);
    __m512i xb[8];
    for (int j = 0; j < 8; ++j) {
        std::int32_t v;
        std::memcpy(&v, xq + 4 * j, 4);
        xb[j] = _mm512_set1_epi32(v);
    }
    const __m512i mask = _mm512_set1_epi8(Bits == 2 ? 0x03 : 0x0f);
    std::int64_t n0 = nBegin;
    for (; n0 + 16 <= nEnd; n0 += 16) {
        if (ahead)
            for (int k = 0; k < Bits; ++k)
                _mm_prefetch(reinterpret_cast<const char *>(ahead + k * n + n0), _MM_HINT_T1);
        __m512i acc[2] = {_mm512_setzero_si512(), _mm512_setzero_si512()};
        for (int w = 0; w < Bits; ++w) {
            const __m512i word = _mm512_loadu_si512(qrow + w * n + n0);
            for (int s = 0; s < 8 / Bits; ++s) {
                // Code vector j = (8 / Bits) w + s: the codes at bit Bits * s of each byte.
                const int j = (8 / Bits) * w + s;
                const __m512i codes = _mm512_and_si512(s == 0 ? word : _mm512_srli_epi32(word, Bits * s), mask);
                acc[j & 1] = _mm512_dpbusd_epi32(acc[j & 1], codes, xb[j]);
            }
        }
        _mm512_storeu_ps(t + n0, _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(acc[0], acc[1])), d,
                                                 _mm512_loadu_ps(t + n0)));
    }
    return n0;
}
#endif

// One activation row (decode): blocks of 32 inputs in the outer loop so that the block's 8
// activation broadcasts stay in registers across all output tiles, and every pass reads only
// the block's `Bits` qweight rows, each sequentially along the outputs. Per-block partial sums
// d_b * dot collect in `t`; the group's scale and zero point are applied once per group.
// Groups [gBegin, gEnd) only (the whole row: 0, groups).
template <int Bits>
void gemvBits(const TileArgs &a, std::int64_t nBegin, std::int64_t nEnd, std::int64_t gBegin,
              std::int64_t gEnd)
{
    const GptqMatrix &w = *a.w;
    const GptqShape &s = w.shape;
    const std::int64_t n = s.rows, groups = s.groups();
    const std::int64_t bpg = groups == 1 ? a.x->blocks() : s.groupSize / 32;
    const std::int64_t blocks = std::min(a.x->blocks(), gEnd * bpg); // the part's end
    const std::int64_t allBlocks = a.x->blocks();
#if defined(LIEQ_GPTQ_ZMM)
    static const bool wide = std::getenv("LIEQ_GPTQ_YMM") == nullptr; // else the 256-bit pass (A/B)
#endif
    thread_local std::vector<float> tbuf;
    tbuf.resize(std::size_t(nEnd - nBegin));
    float *t = tbuf.data() - nBegin;
    for (std::int64_t g = gBegin; g < gEnd; ++g) {
        std::fill(tbuf.begin(), tbuf.end(), 0.0f);
        const std::int64_t b1 = std::min(blocks, (g + 1) * bpg);
        for (std::int64_t b = g * bpg; b < b1; ++b) {
            const __m256 d = _mm256_set1_ps(a.x->d[b]);
            const std::int32_t *qrow = w.qweight + b * Bits * n;
            // The next block's words of these outputs (also across group boundaries), a whole
            // pass ahead, into L2: for narrow matrices (a word row of 1024 outputs is one 4 KiB
            // page) the hardware prefetchers restart too often to keep up with Bits interleaved
            // streams, and prefetching into L1 evicted the pass's partial sums (`t`) and the
            // words in use.
            // (Past the part's end too: one thread running both parts of a split GEMV goes on
            // there, and a thread that does not wastes one block's prefetches.)
            const std::int32_t *ahead = b + 1 < allBlocks ? qrow + Bits * n : nullptr;
            if constexpr (Bits == 8) {
                const std::int16_t *xq = a.in->q16.data() + 32 * b;
                __m256i xe[8], xo[8];
                for (int wd = 0; wd < 8; ++wd) {
                    std::int32_t e, o;
                    std::memcpy(&e, xq + 4 * wd, 4);
                    std::memcpy(&o, xq + 4 * wd + 2, 4);
                    xe[wd] = _mm256_set1_epi32(e);
                    xo[wd] = _mm256_set1_epi32(o);
                }
                const __m256i m = _mm256_set1_epi32(0x00ff00ff);
                for (std::int64_t n0 = nBegin; n0 < nEnd; n0 += 8) {
                    if (ahead && (n0 & 15) == 0)
                        for (int k = 0; k < 8; ++k)
                            _mm_prefetch(reinterpret_cast<const char *>(ahead + k * n + n0), _MM_HINT_T1);
                    __m256i acc = _mm256_setzero_si256();
                    for (int wd = 0; wd < 8; ++wd) {
                        const __m256i word = load8(qrow + wd * n + n0);
                        acc = addPairs(acc, _mm256_and_si256(word, m), xe[wd]);
                        acc = addPairs(acc, _mm256_and_si256(_mm256_srli_epi32(word, 8), m), xo[wd]);
                    }
                    _mm256_storeu_ps(t + n0, _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc), d,
                                                             _mm256_loadu_ps(t + n0)));
                }
            } else {
                __m256i xb[8];
                for (int j = 0; j < 8; ++j)
                    xb[j] = broadcast4(a.in->q8.data() + 32 * b + 4 * j);
                std::int64_t n0 = nBegin;
#if defined(LIEQ_GPTQ_ZMM)
                if constexpr (Bits == 2 || Bits == 4)
                    if (wide)
                        n0 = gemvPassZmm<Bits>(qrow, n, ahead, a.in->q8.data() + 32 * b,
                                               _mm512_set1_ps(a.x->d[b]), t, nBegin, nEnd);
#endif
                for (; n0 < nEnd; n0 += 8) {
                    if (ahead && (n0 & 15) == 0)
                        for (int k = 0; k < Bits; ++k)
                            _mm_prefetch(reinterpret_cast<const char *>(ahead + k * n + n0), _MM_HINT_T1);
                    ByteDot acc;
                    // (3 bits: two chains since its VBMI decoding, 56% -> 64% of the read
                    // bandwidth on 4096x4096; with spread3 one chain was 2-3 points better.)
                    decodeBlock<Bits>(qrow + n0, n, [&](int j, __m256i codes) { acc.add(j, codes, xb[j]); });
                    _mm256_storeu_ps(t + n0, _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc.sum()), d,
                                                             _mm256_loadu_ps(t + n0)));
                }
            }
        }
        const __m256 groupSum = _mm256_set1_ps(a.in->groupSums[g]);
        for (std::int64_t n0 = nBegin; n0 < nEnd; n0 += 8) {
            const __m256 scale = _mm256_cvtph_ps(
                _mm_loadu_si128(reinterpret_cast<const __m128i *>(w.scales + g * n + n0)));
            const __m256 corrected = _mm256_fnmadd_ps(zeros8(w, g, n0), groupSum, _mm256_loadu_ps(t + n0));
            _mm256_storeu_ps(a.y + n0, _mm256_fmadd_ps(scale, corrected, _mm256_loadu_ps(a.y + n0)));
        }
    }
}

template <int Bits>
void matmulBits(const TileArgs &a, std::int64_t nBegin, std::int64_t nEnd)
{
    const std::int64_t rows = a.x->rows, groups = a.w->shape.groups();
    if (rows == 1) {
        gemvBits<Bits>(a, nBegin, nEnd, 0, groups);
        return;
    }
    for (std::int64_t g = 0; g < groups; ++g) {
        for (std::int64_t n0 = nBegin; n0 < nEnd; n0 += 8) {
            std::int64_t i = 0;
            for (; i + 4 <= rows; i += 4)
                tileGroup<Bits, 4>(a, g, n0, i);
            switch (rows - i) {
            case 3: tileGroup<Bits, 3>(a, g, n0, i); break;
            case 2: tileGroup<Bits, 2>(a, g, n0, i); break;
            case 1: tileGroup<Bits, 1>(a, g, n0, i); break;
            default: break;
            }
        }
    }
}

} // namespace

void gptqGemvGroupsAvx2(const GptqMatrix &w, const GptqActivations &x, const GptqAvx2Input &in,
                        float *y, std::int64_t nBegin, std::int64_t nEnd, std::int64_t gBegin,
                        std::int64_t gEnd)
{
    std::fill(y + nBegin, y + nEnd, 0.0f);
    const TileArgs a{&w, &x, &in, y, w.shape.rows};
    switch (w.shape.bits) {
    case 2: gemvBits<2>(a, nBegin, nEnd, gBegin, gEnd); break;
    case 3: gemvBits<3>(a, nBegin, nEnd, gBegin, gEnd); break;
    case 4: gemvBits<4>(a, nBegin, nEnd, gBegin, gEnd); break;
    case 8: gemvBits<8>(a, nBegin, nEnd, gBegin, gEnd); break;
    default: break;
    }
}

void gptqMatmulAvx2(const GptqMatrix &w, const GptqActivations &x, const GptqAvx2Input &in,
                    float *y, std::int64_t ldy, std::int64_t nBegin, std::int64_t nEnd)
{
    const std::int64_t fullEnd = std::max(nBegin, std::min(nEnd, w.shape.rows / 8 * 8));
    for (std::int64_t r = 0; r < x.rows; ++r)
        std::fill(y + r * ldy + nBegin, y + r * ldy + fullEnd, 0.0f);
    const TileArgs a{&w, &x, &in, y, ldy};
    switch (w.shape.bits) {
    case 2: matmulBits<2>(a, nBegin, fullEnd); break;
    case 3: matmulBits<3>(a, nBegin, fullEnd); break;
    case 4: matmulBits<4>(a, nBegin, fullEnd); break;
    case 8: matmulBits<8>(a, nBegin, fullEnd); break;
    default: break;
    }
    if (fullEnd < nEnd)
        gptqMatmulRef(w, x, y, ldy, fullEnd, nEnd);
}

} // namespace lieq::kernels::LIEQ_X86_NS
