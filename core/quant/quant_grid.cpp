#include "core/quant/quant_grid.h"

namespace lieq {

GridParams gridFromRange(float xmin, float xmax, int bits, bool symmetric)
{
    const int maxq = (1 << bits) - 1;
    xmin = std::min(xmin, 0.0f);
    xmax = std::max(xmax, 0.0f);
    if (symmetric) {
        xmax = std::max(std::fabs(xmin), xmax);
        // As the reference: an all non-negative group keeps min = 0 (its grid then only
        // reaches (maxq - zero) * scale); rare in practice with groups of real weights.
        if (xmin < 0.0f)
            xmin = -xmax;
    }
    if (xmin == 0.0f && xmax == 0.0f) {
        xmin = -1.0f;
        xmax = 1.0f;
    }
    GridParams g;
    g.scale = (xmax - xmin) / float(maxq);
    // Non-finite weights or an underflowing range: a unit grid keeps the tensor valid; the
    // caller's error figures expose the problem.
    if (!(g.scale > 0.0f) || !std::isfinite(g.scale))
        g.scale = 1.0f;
    if (symmetric) {
        g.zero = (maxq + 1) / 2;
    } else {
        const float z = std::nearbyint(-xmin / g.scale);
        g.zero = std::clamp(std::isfinite(z) ? int(z) : 0, 0, maxq);
    }
    return g;
}

GridParams gridForValues(const float *values, std::int64_t n, std::int64_t stride, int bits,
                         bool symmetric)
{
    float lo = 0.0f;
    float hi = 0.0f;
    if (stride == 1) { // contiguous (RTN, AWQ): a loop the compiler vectorises
        for (std::int64_t i = 0; i < n; ++i) {
            lo = values[i] < lo ? values[i] : lo;
            hi = values[i] > hi ? values[i] : hi;
        }
        return gridFromRange(lo, hi, bits, symmetric);
    }
    for (std::int64_t i = 0; i < n; ++i) {
        const float v = values[i * stride];
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    return gridFromRange(lo, hi, bits, symmetric);
}

} // namespace lieq
