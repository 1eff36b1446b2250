#pragma once

// Torch-level conveniences for the in-core pipeline, which holds weights as tensors (bf16 from
// the checkpoint, fp32 for compute). Internal: ui/ and app/ use the std-typed headers.

#include "core/quant/matrix_view.h"
#include "core/quant/quant_config.h"
#include "core/quant/quantized_tensor.h"

#include <torch/torch.h>

namespace lieq {

// The exact reconstruction as a [rows, cols] fp32 tensor (to put back into the model so that
// later layers see the quantized outputs, as sequential GPTQ requires).
torch::Tensor dequantizeTensor(const QuantizedTensor &q);

// RTN of a [rows, cols] tensor of any float dtype.
QuantizedTensor quantizeRtn(const torch::Tensor &weight, const QuantConfig &config);

// A view of a contiguous fp32 tensor; throws lieq::Error for another dtype or layout.
MatrixView viewOf(const torch::Tensor &t);
MatrixSpan spanOf(torch::Tensor &t);

} // namespace lieq
