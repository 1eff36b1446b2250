#pragma once

#include <cstdint>

namespace lieq {

// Linear warmup to the peak rate, then cosine decay to minRatio x peak at the last step.
class LrSchedule
{
public:
    LrSchedule(double peak, std::int64_t warmupSteps, std::int64_t totalSteps, double minRatio);
    // Rate for step s (0-based).
    double at(std::int64_t step) const;

private:
    double m_peak;
    std::int64_t m_warmup;
    std::int64_t m_total;
    double m_minRatio;
};

} // namespace lieq
