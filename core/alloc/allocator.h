#pragma once

#include "core/alloc/bit_plan.h"

#include <map>
#include <string>
#include <vector>

// Scores + sizes + budget + pins -> BitPlan. Pure functions: same input, same plan.
namespace lieq::alloc {

enum class AllocMethod {
    Paper,    // LieQ: the fewest top-scored units whose size reaches f of the total get the
              // high bit-width, the rest the low one (two bit-widths only)
    Knapsack, // exact: maximise sum w_u * params_u * (1 - 4^-bits_u) under the budget.
              // Not nested across budgets in general: with 8 bits in the set (or unequal
              // unit sizes) a larger budget can trade two 4-bit units for one 8-bit unit.
    Greedy,   // units upgraded in a fixed order of marginal gain per bit until the next
              // upgrade does not fit: nested, so more budget never lowers any unit's bits;
              // may leave budget unused where the next upgrade is a large one
};

struct AllocationRequest
{
    std::vector<LayerSpec> layers;
    double budget = 2.0;                 // target average bits over decoder linears
    std::vector<int> bitSet{2, 4};       // from {2, 3, 4, 8}
    std::map<int, int> pins;             // layer -> bits in {2, 3, 4, 8, 16}
    AllocMethod method = AllocMethod::Paper;
    bool perProjection = false;          // units are projections instead of layers
    bool fuseGroups = true;              // with perProjection: q/k/v and gate/up share bits
    // Protect the lowest-scored units instead of the highest (the ablation LieQ is compared
    // with): every method runs on the negated scores; the plan records the real ones.
    bool protectLowest = false;
};

// Throws lieq::Error on invalid input (no layers, duplicate indices, sizes <= 0, bits outside
// the allowed sets, pins naming absent layers, a budget outside [min bits, max bits]) and when
// the pins alone need more than the budget allows.
//
// Budget semantics: Knapsack and Greedy never exceed the budget. Paper follows the paper's
// rounding ("fewest layers whose size reaches f", m = round(f L) for equal sizes): a unit is
// included while that brings the upgraded size at least as close to the target as leaving it
// out, so 2.07 on 28 layers gives one 4-bit layer (2 + 2/28 = 2.0714).
BitPlan allocate(const AllocationRequest &request);

// The allocation units of a request (per layer, or per fused group / projection), with their
// scores, sizes, and pins applied; bits set to the lowest of the bit set.
std::vector<PlanUnit> allocationUnits(const AllocationRequest &request);

// Knapsack/greedy objective of a plan: sum over unpinned units of w * params * (1 - 4^-bits),
// with w the unit score shifted so that the lowest score is a small positive weight.
double planObjective(const BitPlan &plan);

// The default method for a bit set: the paper's rule for two bit-widths; the exact knapsack
// for three or more. Measured (tests/bench/alloc, Qwen3-0.6B/4B shapes, 20 score profiles x 8
// budgets 2.07..3.75, bits {2,3,4} and {2,3,4,8}): per layer both find the same plans; per
// fused group greedy reaches on average 99.1% (worst 83.7%) of the knapsack's gain over the
// all-lowest plan and leaves 1.1% of the budget unused, while the knapsack takes milliseconds
// (4 ms per plan for Qwen3-4B per group) and never lowered a unit when the budget grew in
// those sweeps.
AllocMethod defaultMethod(const std::vector<int> &bitSet);

// The bit-widths of a bit set, ascending, each once.
std::vector<int> distinctBits(std::vector<int> bitSet);

std::string methodName(AllocMethod m);
AllocMethod methodFromName(const std::string &name); // throws lieq::Error

// Parsing of user-supplied options ("3=4", "0=16"; "2,4"), with errors naming the text.
std::map<int, int> parsePins(const std::vector<std::string> &specs);
std::vector<int> parseBitSet(const std::string &spec);

} // namespace lieq::alloc
