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

// clamp(round(x / scale) + zero, 0, maxq) with round-half-to-even like torch.round; NaN -> 0.
inline int quantizeToCode(float x, const GridParams &g, int maxq)
{
    float v = std::nearbyint(x / g.scale) + float(g.zero);
    if (!(v >= 0.0f))
        return 0; // negative or NaN
    return v > float(maxq) ? maxq : int(v);
}

inline float codeToValue(int code, const GridParams &g)
{
    return g.scale * (float(code) - float(g.zero));
}

} // namespace lieq
