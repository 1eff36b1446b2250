#pragma once

#include "core/alloc/bit_plan.h"

#include <vector>

namespace lieq {
struct ModelConfig;
}

// The allocator's view of a model: its decoder layers with the seven projection shapes from
// config.json, and the standard plans built on it.
namespace lieq::alloc {

// One LayerSpec per decoder layer, shapes rows = out_features, cols = in_features as the
// checkpoint stores them. `scores`: empty -> all 0; else one per layer (a count mismatch throws
// lieq::Error); a NaN (a layer not scored yet) counts as 0.
std::vector<LayerSpec> decoderLayerSpecs(const ModelConfig &config,
                                         const std::vector<double> &scores = {});

// Every layer at `bits` (2, 3, 4, 8 or 16).
BitPlan uniformPlan(const std::vector<LayerSpec> &layers, int bits);

// The paper's allocation: budget in [2, 4], bits {2, 4}, the fewest top-scored layers (the
// lowest-scored with protectLowest, the ablation) reaching f = (b - 2) / 2 of the weights.
BitPlan paperPlan(const std::vector<LayerSpec> &layers, double budget, bool protectLowest = false);

} // namespace lieq::alloc
