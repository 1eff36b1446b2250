// GEMV of F32/F16/BF16 weight rows (the LM head: a Qwen3-0.6B's tied head is 311 MB of bf16,
// read once per generated token, more bytes than all its 4-bit layers). Vectors of 16 floats:
// one zmm register where the including file is compiled with AVX-512, else two ymm registers
// holding the same lanes, so both builds compute the same sums in the same order (the same
// bits). One row at a time (one sequential stream for the hardware prefetchers), 32 weights
// per step into two accumulators, 64 per iteration into four.
//   BF16: a 32-bit lane holds two weights; shifting it left by 16 gives the even one as a float
//         and masking off the low half the odd one, so no widening shuffle is needed. The
//         activations come deinterleaved per 32 (prepareBf16Activations): 16 even, 16 odd.
//   F16:  vcvtph2ps of 16 halves.
// The row's last n % 32 weights are summed in scalar code after the vector sum.
// This body is compiled twice, in namespace LIEQ_X86_NS: float_gemv_avx2.cpp (x86, AVX2+FMA+F16C)
// and float_gemv_vnni.cpp (x86vnni, the VNNI backend's flags: AVX-512).
#pragma once

#ifndef LIEQ_X86_NS
#error "define LIEQ_X86_NS before including float_gemv_impl.h"
#endif

#include "kernels/cpu/x86/float_gemv_avx2.h"
#include "kernels/cpu/x86/float_kind.h"

#include <immintrin.h>

#include <cstdint>

namespace lieq::kernels::LIEQ_X86_NS {

namespace {

#if defined(__AVX512F__)
struct V16
{
    __m512 v;
    static V16 zero() { return {_mm512_setzero_ps()}; }
    static V16 load(const float *p) { return {_mm512_loadu_ps(p)}; }
    static V16 fromHalves(const void *p) // 16 fp16
    {
        return {_mm512_maskz_cvtph_ps(__mmask16(0xffff), _mm256_loadu_si256(static_cast<const __m256i *>(p)))};
    }
    // 32 bf16: the even ones and the odd ones as floats.
    static void fromBf16(const void *p, V16 &even, V16 &odd)
    {
        const __m512i w = _mm512_loadu_si512(p);
        // (The zero-masking forms here and below: GCC 12's plain intrinsics warn of an
        // undefined source.)
        even.v = _mm512_castsi512_ps(_mm512_maskz_slli_epi32(__mmask16(0xffff), w, 16));
        odd.v = _mm512_castsi512_ps(_mm512_and_si512(w, _mm512_set1_epi32(int(0xffff0000u))));
    }
    static V16 fma(V16 a, V16 b, V16 c) { return {_mm512_fmadd_ps(a.v, b.v, c.v)}; }
    static V16 add(V16 a, V16 b) { return {_mm512_add_ps(a.v, b.v)}; }
    __m256 low() const
    {
        return _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(__mmask8(0xff), _mm512_castps_pd(v), 0));
    }
    __m256 high() const
    {
        return _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(__mmask8(0xff), _mm512_castps_pd(v), 1));
    }
};
#else
struct V16
{
    __m256 lo, hi;
    static V16 zero() { return {_mm256_setzero_ps(), _mm256_setzero_ps()}; }
    static V16 load(const float *p) { return {_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)}; }
    static V16 fromHalves(const void *p)
    {
        const auto *h = static_cast<const __m128i *>(p);
        return {_mm256_cvtph_ps(_mm_loadu_si128(h)), _mm256_cvtph_ps(_mm_loadu_si128(h + 1))};
    }
    static void fromBf16(const void *p, V16 &even, V16 &odd)
    {
        const auto *q = static_cast<const __m256i *>(p);
        const __m256i w0 = _mm256_loadu_si256(q), w1 = _mm256_loadu_si256(q + 1);
        const __m256i high = _mm256_set1_epi32(int(0xffff0000u));
        even = {_mm256_castsi256_ps(_mm256_slli_epi32(w0, 16)), _mm256_castsi256_ps(_mm256_slli_epi32(w1, 16))};
        odd = {_mm256_castsi256_ps(_mm256_and_si256(w0, high)), _mm256_castsi256_ps(_mm256_and_si256(w1, high))};
    }
    static V16 fma(V16 a, V16 b, V16 c) { return {_mm256_fmadd_ps(a.lo, b.lo, c.lo), _mm256_fmadd_ps(a.hi, b.hi, c.hi)}; }
    static V16 add(V16 a, V16 b) { return {_mm256_add_ps(a.lo, b.lo), _mm256_add_ps(a.hi, b.hi)}; }
    __m256 low() const { return lo; }
    __m256 high() const { return hi; }
};
#endif

inline float reduce(V16 a)
{
    return hsum(_mm256_add_ps(a.low(), a.high()));
}

using Kind = FloatKind;

// The 32 weights from element i (a multiple of 32) against their activations, into a and b.
template <Kind K>
inline void step(const void *w, const float *x, std::int64_t i, V16 &a, V16 &b)
{
    if constexpr (K == Kind::BF16) {
        V16 even, odd;
        V16::fromBf16(static_cast<const std::uint16_t *>(w) + i, even, odd);
        a = V16::fma(even, V16::load(x + i), a);      // x prepared: 16 even, then 16 odd
        b = V16::fma(odd, V16::load(x + i + 16), b);
    } else if constexpr (K == Kind::F16) {
        const auto *h = static_cast<const fp16_t *>(w) + i;
        a = V16::fma(V16::fromHalves(h), V16::load(x + i), a);
        b = V16::fma(V16::fromHalves(h + 16), V16::load(x + i + 16), b);
    } else {
        const float *f = static_cast<const float *>(w) + i;
        a = V16::fma(V16::load(f), V16::load(x + i), a);
        b = V16::fma(V16::load(f + 16), V16::load(x + i + 16), b);
    }
}

// How far ahead of the weights in use the GEMV prefetches into L2 (bytes, across rows: they
// are back to back in memory), as the Q4_0 GEMV does.
constexpr std::int64_t kAheadBytes = 16 << 10;

template <Kind K>
float rowDot(std::int64_t n, const void *w, const float *x)
{
    constexpr std::int64_t elementBytes = K == Kind::F32 ? 4 : 2;
    V16 a0 = V16::zero(), a1 = V16::zero(), a2 = V16::zero(), a3 = V16::zero();
    const std::int64_t whole = n / 32 * 32;
    const char *ahead = static_cast<const char *>(w) + kAheadBytes;
    std::int64_t i = 0;
    for (; i + 64 <= whole; i += 64) {
        for (std::int64_t b = 0; b < 64 * elementBytes; b += 64)
            _mm_prefetch(ahead + i * elementBytes + b, _MM_HINT_T1);
        step<K>(w, x, i, a0, a1);
        step<K>(w, x, i + 32, a2, a3);
    }
    if (i < whole)
        step<K>(w, x, i, a0, a1);
    float s = reduce(V16::add(V16::add(a0, a2), V16::add(a1, a3)));
    // The tail in scalar code (BF16: the prepared activations keep it in natural order).
    for (i = whole; i < n; ++i)
        s += floatWeight<K>(w, i) * x[i];
    return s;
}

template <Kind K>
void gemvRows(std::int64_t n, const void *w, std::int64_t rowBytes, std::int64_t rows, const void *x,
              float *y)
{
    const auto *p = static_cast<const std::uint8_t *>(w);
    const auto *xf = static_cast<const float *>(x);
    for (std::int64_t r = 0; r < rows; ++r)
        y[r] = rowDot<K>(n, p + r * rowBytes, xf);
}

} // namespace

GemvRowsFn floatGemvAvx2(QuantType type)
{
    return forFloatKind<GemvRowsFn>(type, [](auto kind) -> GemvRowsFn { return gemvRows<kind.value>; });
}

} // namespace lieq::kernels::LIEQ_X86_NS
