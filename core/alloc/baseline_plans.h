#pragma once

#include "core/alloc/allocator.h"

#include <cstdint>
#include <string>
#include <vector>

// The rules users would apply without any diagnostics, as plans at the same budget as LieQ's:
// llama.cpp's default layer heuristic, "first k layers", "last k layers" (the baselines
// AutoRound's AutoScheme reports against) and seeded random plans. Each rule is an order of the
// layers (a priority score, higher = protected first) handed to the request's allocation method,
// so the budget, bit set, pins and rounding are exactly those of the score-driven plans.
namespace lieq::alloc {

enum class BaselineRule {
    LlamaCpp, // llama.cpp's use_more_bits (src/llama-quant.cpp): i < n/8, i >= 7n/8, or
              // (i - n/8) % 3 == 2 (integer division); protected in the order first eighth,
              // last eighth, every third layer between them, then the remaining layers
    First,    // layers 0, 1, 2, ...
    Last,     // layers L-1, L-2, ...
    Random,   // a seeded uniform permutation (Fisher-Yates on std::mt19937_64)
};

std::string baselineRuleName(BaselineRule rule);            // "llama-cpp", "first", "last", "random"
BaselineRule baselineRuleFromName(const std::string &name); // throws lieq::Error naming the choices
const std::vector<BaselineRule> &allBaselineRules();

// llama.cpp's test for layer i of n (position in the decoder, 0-based).
bool llamaCppUseMoreBits(int i, int n);

// Priority per entry of `layers` (same order), for layer positions 0..n-1 in index order.
// Distinct values, so plans never depend on tie-breaking.
std::vector<double> baselinePriorities(BaselineRule rule, const std::vector<LayerSpec> &layers,
                                       std::uint64_t seed = 0);

// The rule's plan for `request` (its layer scores are replaced by the priorities; the plan's
// method reads e.g. "llama-cpp" or "random-7" and its layers keep the priorities as scores).
BitPlan baselinePlan(const AllocationRequest &request, BaselineRule rule, std::uint64_t seed = 0);

// Random plans for each seed (the spread of what chance achieves at this budget).
std::vector<BitPlan> randomPlans(const AllocationRequest &request,
                                 const std::vector<std::uint64_t> &seeds);

// "3,5,9" -> {3, 5, 9}; throws lieq::Error naming the text.
std::vector<std::uint64_t> parseSeeds(const std::string &spec);

} // namespace lieq::alloc
