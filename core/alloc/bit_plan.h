#pragma once

#include "core/io/projection.h"

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

// Bit plans: which bit-width each decoder linear gets. Plain structs, no torch, no Qt; the
// quantization pipeline asks a plan for bitsFor(layer, projection).
namespace lieq::alloc {

// One decoder linear of a layer, e.g. {"q_proj", 1024 (out), 1024 (in)}.
struct LinearShape
{
    std::string name;   // q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj
    std::int64_t rows = 0; // out_features
    std::int64_t cols = 0; // in_features (quantization groups run along this axis)
    double score = std::numeric_limits<double>::quiet_NaN(); // optional per-projection score
    std::int64_t params() const { return rows * cols; }
};

// A decoder layer as the allocator sees it: a score (higher = keep more precision) and the
// parameter count of its decoder linears. `linears` is optional for per-layer plans; it is
// needed for per-projection granularity and makes size estimates exact.
struct LayerSpec
{
    int index = 0;
    double score = 0.0;
    std::int64_t params = 0;
    std::vector<LinearShape> linears;
};

// One allocation unit: a whole layer, or a (fused) group of projections of one layer.
struct PlanUnit
{
    int layer = 0;
    std::string group;                    // "" for a whole layer; "qkv", "o", "gate_up", "down",
                                          // or a projection name when groups are not fused
    std::vector<std::string> projections; // empty for a whole layer
    std::int64_t params = 0;
    double score = 0.0;
    int bits = 0;                         // 2, 3, 4, 8, or 16 (kept in half precision)
    bool pinned = false;
};

struct BitPlan
{
    static constexpr int kSchemaVersion = 1;

    std::string method;                   // "paper", "knapsack", "greedy"
    double budget = 0.0;                  // requested average bits over decoder linears
    std::vector<int> bitSet;              // allowed bit-widths for unpinned units
    bool perProjection = false;
    bool fuseGroups = true;
    bool protectLowest = false;           // the lowest-scored units were protected (ablation)
    std::map<int, int> pins;              // layer -> bits
    std::vector<LayerSpec> layers;        // the input (scores, sizes, shapes), for the record
    std::vector<PlanUnit> units;

    // Bits of one projection of a layer (projection may be empty for per-layer plans);
    // throws lieq::Error when the plan does not cover it.
    int bitsFor(int layer, const std::string &projection = {}) const;
    int bitsFor(int layer, Projection projection) const;
    // Per layer, in layer order: its bits, or -1 where its projections differ.
    std::vector<int> layerBits() const;
    std::int64_t totalParams() const;
    // Parameter-weighted average bit-width of the decoder linears.
    double nominalBits() const;
};

// Fused group of a projection name (core/io/projection.h's table): q/k/v -> "qkv", gate/up ->
// "gate_up", o -> "o", down -> "down".
std::string fusedGroupOf(const std::string &projection);
// Allowed bit-widths: 2, 3, 4, 8 for allocation; 16 additionally for pins.
bool isQuantBits(int bits);

} // namespace lieq::alloc
