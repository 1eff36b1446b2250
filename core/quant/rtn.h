#pragma once

#include "core/quant/matrix_view.h"
#include "core/quant/quant_config.h"
#include "core/quant/quantized_tensor.h"

namespace lieq {

// Round-to-nearest: every (row, group) gets its min-max grid (asymmetric, or symmetric), and
// each weight its nearest code. The baseline the other backends are measured against.
QuantizedTensor quantizeRtn(MatrixView weight, const QuantConfig &config);

// Encodes `weight` on the grid of `grid` (same shape): its scales, zeros, gIdx and perm are
// kept and only the codes are recomputed. quantizeWithGrid(dequantize(q), q) returns q's codes.
QuantizedTensor quantizeWithGrid(MatrixView weight, const QuantizedTensor &grid);

// RTN quantize-dequantize in place ("fake quantization"), as AWQ's search uses it.
void fakeQuantizeInPlace(MatrixSpan weight, const QuantConfig &config);

} // namespace lieq
