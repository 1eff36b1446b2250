#pragma once

#include <cstdint>
#include <cstring>

// The scale searches of ggml's reference quantizers (ggml-quants.c). They are reimplemented
// here operation for operation, in the same order and in single precision without fused
// multiply-adds (the library builds with -ffp-contract=off), because a K-quant file is only
// byte-exact with llama.cpp's when every intermediate float rounds the same way.
namespace lieq::kernels::detail {

// Round to nearest, ties to even, for |v| < 2^22: adding 1.5 * 2^23 leaves the integer in the
// low mantissa bits (what ggml's nearest_int does; faster than nearbyintf without SSE4.1).
inline int nearestInt(float v)
{
    const float shifted = v + 12582912.f;
    std::int32_t bits;
    std::memcpy(&bits, &shifted, sizeof bits);
    return (bits & 0x007fffff) - 0x00400000;
}

// Symmetric codes L[i] in [0, 2 nmax) for x ~ scale * (L - nmax); returns the scale.
// rmseType 0: plain max scaling; 1..4: least-squares refit with weights x^2, 1, |x|, sqrt|x|
// and a search over 18 nearby scales; a negative type refits once and returns early.
// qw: explicit weights (the importance-matrix variant), or null.
float makeQxQuants(int n, int nmax, const float *x, std::int8_t *L, int rmseType, const float *qw);

// Q3_K's search: codes in [0, 2 nmax), iterative per-element refinement of a weighted
// least-squares scale when doRmse.
float makeQ3Quants(int n, int nmax, const float *x, std::int8_t *L, bool doRmse);

// Asymmetric codes L[i] in [0, nmax] for x ~ scale * L - theMin, scanning nstep + 1 scales
// from (nmax + rmin) to (nmax + rmin + nstep rdelta) / range and refitting scale and min by
// weighted least squares; error measured as |d| (useMad) or d^2. Laux: n bytes of scratch.
float makeQkx2Quants(int n, int nmax, const float *x, const float *weights, std::uint8_t *L,
                     float *theMin, std::uint8_t *Laux, float rmin, float rdelta, int nstep,
                     bool useMad);

// Q4_K's packing of eight 6-bit scales and eight 6-bit mins into 12 bytes.
inline void scaleMinK4(int j, const std::uint8_t *q, std::uint8_t *d, std::uint8_t *m)
{
    if (j < 4) {
        *d = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *d = std::uint8_t((q[j + 4] & 0xf) | ((q[j - 4] >> 6) << 4));
        *m = std::uint8_t((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

} // namespace lieq::kernels::detail
