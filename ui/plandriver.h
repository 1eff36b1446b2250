#pragma once

#include "core/alloc/allocator.h"
#include "core/alloc/measured_plan.h"

#include <QString>
#include <QStringList>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lieq::ui {

// What decides which layers the budget panel's plan raises: a per-layer score the workbench has
// (dr, dE, dPPL from the analysis; the measured sensitivity from the measure pass), the measured
// gains (knapsack), or a rule that needs no scores (llama.cpp's heuristic, first/last layers,
// seeded random). Plans, predicted damage and damage-vs-bits curves come from core/alloc's pure
// functions, so dragging the budget stays in microseconds.
class PlanDriver
{
public:
    // Keys in menu order: "dr", "dE", "dppl", "sensitivity", "measured", "llama-cpp", "first",
    // "last", "random".
    static const std::vector<std::string> &keys();
    static QString label(const std::string &key);  // translated menu text
    static QString tooltip(const std::string &key);

    void setSeries(const std::string &key, std::vector<double> scores); // empty: none
    void clearSeries();
    // The measure pass's result for this model (gains, kl_low, KL of the all-low plan).
    void setMeasure(std::vector<double> gains, std::vector<double> klLow, double klAllLow,
                    int lowBits, int highBits);
    void clearMeasure();
    bool hasMeasure() const { return m_measure.has_value(); }
    void setSeed(std::uint64_t seed) { m_seed = seed; }

    // Whether `key` can drive a plan now, and if not why (translated).
    bool available(const std::string &key, QString *why = nullptr) const;

    // The plan of `key` for `request` (its scores replaced). Throws lieq::Error.
    alloc::BitPlan plan(const std::string &key, const alloc::AllocationRequest &request) const;
    // Predicted KL of a plan from the measured gains (nullopt without a measure pass or when the
    // plan's bits are not the measured low/high pair).
    std::optional<double> predictedDamage(const alloc::BitPlan &plan) const;
    // Damage against bits: the best plans (measured knapsack) and those of `key`; empty without a
    // measure pass or when the request's bit set is not the measured pair.
    std::vector<alloc::DamagePoint> bestCurve(const alloc::AllocationRequest &request) const;
    std::vector<alloc::DamagePoint> curve(const std::string &key,
                                          const alloc::AllocationRequest &request) const;

private:
    std::vector<double> scoresFor(const std::string &key, const alloc::AllocationRequest &request) const;
    bool measuredPair(const alloc::AllocationRequest &request) const;

    struct Measure
    {
        std::vector<double> gains, klLow;
        double klAllLow = 0;
        int lowBits = 2, highBits = 4;
    };
    std::map<std::string, std::vector<double>> m_series;
    std::optional<Measure> m_measure;
    std::uint64_t m_seed = 1;
};

} // namespace lieq::ui
