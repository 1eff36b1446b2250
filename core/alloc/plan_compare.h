#pragma once

#include "core/alloc/allocator.h"

#include <string>
#include <vector>

// The plans LieQ's claim is tested with, at one budget: the plan a ranking chooses (LieQ: the
// compactness score dr), the plan that protects the *lowest*-ranked layers instead (the
// ablation), and the plan chosen by the measured perplexity drop dPPL (the oracle the ranking
// tries to predict). Pure functions over LayerSpecs; the scores come from an analysis.
namespace lieq::alloc {

// `layers` with layers[i].score = scores[i]. Throws lieq::Error (naming `what`) when the
// counts differ or a score is not finite.
std::vector<LayerSpec> withScores(std::vector<LayerSpec> layers, const std::vector<double> &scores,
                                  const std::string &what);

// Layers whose units all sit above the lowest bit-width any unpinned unit of the plan got
// (the layers the plan protects), in layer order; empty when every layer is at one width.
std::vector<int> protectedLayers(const BitPlan &plan);

// |protected(a) & protected(b)| / |protected(b)|: how much of b's protection a shares
// (1 when b protects nothing).
double protectedOverlap(const BitPlan &a, const BitPlan &b);

struct ComparisonPlans
{
    BitPlan ranked;   // the ranking's plan (highest scores protected)
    BitPlan inverted; // same ranking, lowest scores protected
    BitPlan oracle;   // ranked by the measured dPPL
};

// The three plans of `request` (its budget, bit set, pins, method; its layer scores are
// replaced): ranked and inverted by rankScores, oracle by dpplScores.
ComparisonPlans comparisonPlans(const AllocationRequest &request,
                                const std::vector<double> &rankScores,
                                const std::vector<double> &dpplScores);

} // namespace lieq::alloc
