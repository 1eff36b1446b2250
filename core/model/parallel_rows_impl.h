#pragma once
// Internal (torch) header: the decoder's element-wise steps (RMSNorm, RoPE with the head
// transpose, SiLU gating, residual adds) split over the engine's thread pool by rows. With the
// matrix products already split, these steps were what kept one thread busy while the others
// waited: about a sixth of a prefill forward at one thread (perf, issue 10). Each chunk runs the
// same torch operations as core/model/tensor_ops_impl.h on its own rows, so results are the same
// bits however the rows are split (tests/model/tst_parallelrows). Small inputs (decode) and
// tensors off the CPU run inline on the caller.

#include <torch/torch.h>

#include <cstdint>

namespace lieq {

// rmsNorm(x, weight, eps) of tensor_ops_impl.h over the last dimension; x any shape, fp32.
torch::Tensor parallelRmsNorm(const torch::Tensor &x, const torch::Tensor &weight, double eps);

// The attention inputs of one layer from the projections' outputs q [B, T, nh, D],
// k and v [B, T, nkv, D]: optional per-head RMSNorm of q and k (Qwen3; undefined weights skip
// it), rotary embedding of q and k with cos/sin [T, D/2], and the transpose to [B, heads, T, D],
// written straight into contiguous outputs.
struct AttentionInputs
{
    torch::Tensor q, k, v;
};
AttentionInputs parallelAttentionInputs(const torch::Tensor &q, const torch::Tensor &k,
                                        const torch::Tensor &v, const torch::Tensor &qNorm,
                                        const torch::Tensor &kNorm, double eps,
                                        const torch::Tensor &cos, const torch::Tensor &sin);

// gate <- silu(gate) * up, in place (both the same shape; a non-contiguous gate is replaced by
// a contiguous copy first); returns gate.
torch::Tensor &parallelSiluMul_(torch::Tensor &gate, const torch::Tensor &up);

// y <- y + x, in place (the same shape; a non-contiguous y is made contiguous first); returns y.
// Addition commutes bit for bit, so this is x + y.
torch::Tensor &parallelAdd_(torch::Tensor &y, const torch::Tensor &x);

} // namespace lieq
