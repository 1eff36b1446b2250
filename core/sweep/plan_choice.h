#pragma once

#include <string>

// How a sweep cell chooses its bit plan, written as text in a sweep spec:
//   "uniform-N"            every layer at N bits (2, 3, 4, 8); budgets and bit sets do not apply
//   "dr", "dE", "dppl"     layers ranked by that analysis score (dr: LieQ's compactness, dE:
//                          top-k energy, dppl: the measured perplexity drop, i.e. the oracle),
//                          allocated under the cell's budget and bit set
//   "<score>-inverted"     the same ranking, lowest-scored layers protected (the ablation)
//   "<score>:ALLOCATOR"    paper | knapsack | greedy (default: core/alloc's default for the bit set)
//   "rule:NAME"            a baseline rule of core/alloc (e.g. first/last layers), seeded by the
//                          cell's seed where the rule is random
// Aliases: "lieq" = "dr", "oracle" = "dppl", "lowest" = "dr-inverted".
namespace lieq::sweep {

struct PlanChoice
{
    enum class Kind { Uniform, Scored, Rule };

    Kind kind = Kind::Scored;
    int uniformBits = 0;    // Uniform
    std::string metric;     // Scored: "dr", "dE" or "dppl"
    bool inverted = false;  // Scored
    std::string allocator;  // Scored: "" (default), "paper", "knapsack", "greedy"
    std::string rule;       // Rule

    // Canonical text, parsePlanChoice(name()) == *this.
    std::string name() const;
    bool usesBudget() const { return kind != Kind::Uniform; }
    bool needsAnalysis() const { return kind == Kind::Scored; }
    bool operator==(const PlanChoice &) const = default;
};

// Throws lieq::Error naming the text and the accepted forms.
PlanChoice parsePlanChoice(const std::string &text);

} // namespace lieq::sweep
