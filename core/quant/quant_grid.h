#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace lieq {

// The uniform integer grid of one (row, group): x ~ scale * (code - zero). Shared by RTN, GPTQ
// and AWQ so that the three backends produce the same representation and are comparable.
struct GridParams
{
    float scale = 1.0f;
    int zero = 0;
};

// The GPTQ reference quantizer's find_params for one row of a group: the range always holds 0
// (so the zero point is an exact integer in [0, maxq]); asymmetric: scale = (max-min)/maxq,
// zero = round(-min/scale); symmetric: max = max(|min|, max), min = -max when min < 0,
// zero = (maxq+1)/2. An all-zero range becomes [-1, 1] to avoid a zero scale.
GridParams gridFromRange(float xmin, float xmax, int bits, bool symmetric);

// gridFromRange over n values spaced `stride` floats apart.
GridParams gridForValues(const float *values, std::int64_t n, std::int64_t stride, int bits,
                         bool symmetric);

// std::nearbyint (round half to even) without a library call, so loops over it vectorise.
// Exact for |y| < 2^22 (adding 1.5 * 2^23 leaves no fraction bits); larger magnitudes are
// clamped to 2^22 first, which no caller can tell apart since codes are clamped to [0, 255].
// NaN stays NaN. Relies on IEEE arithmetic (the project never builds with -ffast-math).
inline float roundHalfEven(float y)
{
    constexpr float kLimit = 4194304.0f;  // 2^22
    constexpr float kMagic = 12582912.0f; // 1.5 * 2^23
    y = y < -kLimit ? -kLimit : (y > kLimit ? kLimit : y);
    return (y + kMagic) - kMagic;
}

// clamp(round(x / scale) + zero, 0, maxq) with round-half-to-even like torch.round; NaN -> 0.
// Branch-free (selects), so a row of codes vectorises.
inline int quantizeToCode(float x, const GridParams &g, int maxq)
{
    float v = roundHalfEven(x / g.scale) + float(g.zero);
    v = v >= 0.0f ? v : 0.0f; // negative or NaN
    v = v > float(maxq) ? float(maxq) : v;
    return int(v);
}

// quantizeToCode over n contiguous values (a group of one row), written as a loop the compiler
// vectorises.
inline void quantizeRowToCodes(const float *__restrict values, std::int64_t n, GridParams g,
                               int maxq, std::uint8_t *__restrict codes)
{
    for (std::int64_t i = 0; i < n; ++i)
        codes[i] = static_cast<std::uint8_t>(quantizeToCode(values[i], g, maxq));
}

inline float codeToValue(int code, const GridParams &g)
{
    return g.scale * (float(code) - float(g.zero));
}

} // namespace lieq
