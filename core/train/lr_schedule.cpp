#include "core/train/lr_schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace lieq {

LrSchedule::LrSchedule(double peak, std::int64_t warmupSteps, std::int64_t totalSteps,
                       double minRatio)
    : m_peak(peak), m_warmup(std::max<std::int64_t>(0, warmupSteps)),
      m_total(std::max<std::int64_t>(1, totalSteps)), m_minRatio(std::clamp(minRatio, 0.0, 1.0))
{
}

double LrSchedule::at(std::int64_t step) const
{
    if (step < m_warmup)
        return m_peak * static_cast<double>(step + 1) / static_cast<double>(m_warmup);
    const std::int64_t decaySteps = std::max<std::int64_t>(1, m_total - m_warmup - 1);
    const double t = std::clamp(static_cast<double>(step - m_warmup) / decaySteps, 0.0, 1.0);
    const double cosine = 0.5 * (1.0 + std::cos(std::numbers::pi * t));
    return m_peak * (m_minRatio + (1.0 - m_minRatio) * cosine);
}

} // namespace lieq
