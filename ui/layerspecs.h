#pragma once

#include "core/alloc/bit_plan.h"
#include "core/io/model_config.h"

#include <vector>

namespace lieq::ui {

// The allocator's input for a model: each decoder layer's linears with their shapes (from
// config.json) and a score per layer (NaN or missing scores count as 0).
std::vector<alloc::LayerSpec> layerSpecsFromConfig(const ModelConfig &config,
                                                   const std::vector<double> &scores = {});

} // namespace lieq::ui
