#pragma once

// Torch-level AWQ interface for the in-core pipeline. Internal: ui/ and app/ use awq.h.

#include "core/quant/awq.h"

#include <torch/torch.h>

namespace lieq {

// x: [..., in] calibration inputs; weights: [out_i, in], any float dtype (fp32 compute).
AwqScaleResult awqSearchScales(const torch::Tensor &x, const std::vector<torch::Tensor> &weights,
                               const AwqOptions &options, const ProgressFn &progress = {});
AwqClipResult awqSearchClip(const torch::Tensor &weight, const torch::Tensor &x,
                            const AwqOptions &options);

// RTN quantize-dequantize of a [rows, cols] tensor, returned as a new fp32 tensor.
torch::Tensor fakeQuantize(const torch::Tensor &weight, const QuantConfig &config);

// Evenly strided subset of at most maxTokens rows of x reshaped to [tokens, in] (0 = all).
torch::Tensor strideTokens(const torch::Tensor &x, std::int64_t maxTokens);

} // namespace lieq
