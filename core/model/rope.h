#pragma once

#include "core/io/model_config.h"

#include <vector>

namespace lieq {

// Rotary inverse frequencies theta^(-2i/d), i < d/2, for head dimension d = config.headDim,
// after the config's rope scaling ("llama3" band-wise rescaling, "linear" division). Computed
// in double; the runtime builds cos/sin tables from them in the HF rotate-half layout.
std::vector<double> ropeInverseFrequencies(const ModelConfig &config);

} // namespace lieq
