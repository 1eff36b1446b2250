#pragma once

#include "core/sweep/sweep_spec.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// One cell of a sweep grid: a model, calibration set, plan rule, budget, bit set, backend and
// seed. The settings every cell shares (evaluation, quantization options) stay in the spec.
namespace lieq::sweep {

struct SweepCell
{
    int index = 0;                  // position in the sweep folder (the Slurm array index)
    std::string key;                // hash of the parameters: stable when the grid grows
    std::string model;              // model folder
    CalibrationChoice calibration;
    PlanChoice plan;
    std::optional<Budget> budget;   // none for uniform plans
    std::vector<int> bitSet;        // empty for uniform plans
    std::string backend;            // rtn | gptq | awq
    std::int64_t seed = 0;

    // Short human-readable name, e.g. "demo-model gptq dr 2+2/L {2,4} seed 0".
    std::string label() const;
    // Canonical JSON of the parameters (without index); key = first 16 hex of its SHA-256.
    std::string paramsJson() const;
};

struct Expansion
{
    std::vector<SweepCell> cells;    // indices 0..n-1 in grid order
    std::vector<std::string> skipped; // combinations that cannot run, with the reason
};

// The grid in a fixed order (models, calibration sets, seeds, backends, plans, bit sets,
// budgets, innermost last). Uniform plans ignore budgets and bit sets and appear once per
// (model, calibration, seed, backend). Fixed budgets outside a bit set's range, and the
// paper allocator with more than two bit-widths, are skipped with a note.
Expansion expandCells(const SweepSpec &spec);

// Reads the JSON paramsJson() wrote (plus "index"); throws lieq::Error naming `source`.
SweepCell cellFromJson(const std::string &jsonText, const std::string &source);

} // namespace lieq::sweep
