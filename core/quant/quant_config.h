#pragma once

#include <cstdint>

namespace lieq {

// Settings shared by every backend for one weight matrix. The pipeline chooses bits per layer
// (the plan); group size and symmetry are run-wide settings.
struct QuantConfig
{
    int bits = 4;             // 2, 3, 4 or 8
    int groupSize = 128;      // input columns per group; -1 = one group per output row
    bool symmetric = false;   // symmetric grid with the zero point fixed at 2^(bits-1)

    int maxq() const { return (1 << bits) - 1; }
    // Columns per group for a matrix with `cols` input columns (groupSize -1 -> cols).
    std::int64_t effectiveGroupSize(std::int64_t cols) const
    {
        return groupSize > 0 ? groupSize : cols;
    }
};

// Throws lieq::Error when bits is not in {2,3,4,8} or groupSize is 0 or below -1.
void validateQuantConfig(const QuantConfig &config);

} // namespace lieq
