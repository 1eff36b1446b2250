#pragma once
// Tensor building blocks shared by the inference runtime (decoder.cpp) and the demo model's
// trainer (core/train): both must compute exactly the same function, so there is one copy.
// Plain torch ops, so they also differentiate under autograd.

#include <torch/torch.h>

namespace lieq {

// RMSNorm as HF Llama/Qwen: x / sqrt(mean(x^2) + eps) * weight, over the last dimension.
inline torch::Tensor rmsNorm(const torch::Tensor &x, const torch::Tensor &weight, double eps)
{
    return x * torch::rsqrt(x.square().mean(-1, /*keepdim=*/true) + eps) * weight;
}

// HF rotate-half convention: the two halves of each head are the (re, im) pairs.
inline torch::Tensor applyRope(const torch::Tensor &x, const torch::Tensor &cos,
                               const torch::Tensor &sin)
{
    const std::int64_t half = x.size(-1) / 2;
    const torch::Tensor x1 = x.slice(-1, 0, half);
    const torch::Tensor x2 = x.slice(-1, half, 2 * half);
    return torch::cat({x1 * cos - x2 * sin, x2 * cos + x1 * sin}, -1);
}

} // namespace lieq
