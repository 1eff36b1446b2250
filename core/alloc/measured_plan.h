#pragma once

#include "core/alloc/allocator.h"

#include <vector>

// Plans from measured quantization sensitivity instead of a predictor: the measure pass
// (core/sensitivity) records, per layer, how much the model's KL divergence from FP16 falls when
// that one layer is raised from the low to the high bit-width over the all-low plan (its gain).
// The measured plan is the exact 0/1 knapsack on those gains under the budget, assuming gains
// add up across layers (exact for one protected layer, the paper's main setting).
namespace lieq::alloc {

// `gains`: one per request.layers entry (same order), in nats of KL. The request must be per
// layer with exactly two bit-widths {low, high}; pins are honoured and count toward the budget.
// Layers with gain <= 0 are never raised, so the plan may use less than the budget. Like the
// Knapsack method it never exceeds the budget (a budget typed as 2.07 on 28 layers raises
// nothing; 2 + 2/28 raises one layer). Throws lieq::Error on a bad request or non-finite gains.
// The plan's method is "measured"; its layer scores are the gains.
BitPlan measuredPlan(const AllocationRequest &request, const std::vector<double> &gains);

// Layers whose every unit sits above the lowest width of the plan's bit set (pinned or not), in
// layer order: what a plan raises. (alloc::protectedLayers compares with the lowest width
// actually used instead, so it sees nothing in a plan that raises every layer.)
std::vector<int> raisedLayers(const BitPlan &plan);

// Sum of the gains of the layers `plan` raises (every unit above the lowest width of its bit set,
// pinned or not), with gains given per plan.layers entry. Throws lieq::Error when the counts
// differ.
double capturedGain(const BitPlan &plan, const std::vector<double> &gains);

// The damage a plan is predicted to do, from the measure pass: KL(all-low) minus the gains of
// the layers it raises (additive model, floored at 0).
double predictedDamage(const BitPlan &plan, double klAllLow, const std::vector<double> &gains);

struct DamagePoint
{
    double bits = 0;           // nominal bits of the plan
    double predictedKl = 0;    // predictedDamage
    std::vector<int> raised;   // layers at the high bit-width
};

// Predicted damage against bits: one point per number of raised layers k = 0..L (budgets
// low + (high - low) k / L), each the plan of `scores` (empty: the measured knapsack) at that
// budget with the request's pins, bits and method. Two bit-widths, per layer.
std::vector<DamagePoint> damageCurve(const AllocationRequest &request, double klAllLow,
                                     const std::vector<double> &gains,
                                     const std::vector<double> &scores = {});

} // namespace lieq::alloc
