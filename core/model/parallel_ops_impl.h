#pragma once
// Internal (torch) header: the heavy tensor operations of the runtime split over the engine's
// thread pool (core/util/thread_pool.h). Each chunk runs single-threaded torch/BLAS code on its
// own slice of the output, so no two threads write the same memory and no library thread team
// is ever started. Below a size where a split cannot pay for waking a thread (about 10 us),
// everything runs inline on the caller.

#include <torch/torch.h>

#include <cstdint>

namespace lieq {

// Multiply-accumulates below which an operation stays on the calling thread.
inline constexpr std::int64_t kMinParallelMacs = 1 << 21;

// y = x W^T (+ b): x [..., in], weight [out, in] fp32 -> [..., out]. Split by output features,
// so each thread reads its own rows of W once (decode and prefill alike).
torch::Tensor parallelLinear(const torch::Tensor &x, const torch::Tensor &weight,
                             const torch::Tensor &bias = {});

// out[:, c0:c1] = a @ b[c0:c1]^T for column blocks of `out` ([M, N] row-major, contiguous):
// the same split for callers that fill a larger matrix (the LM head).
void parallelMatmulTransposedInto(torch::Tensor &out, const torch::Tensor &a,
                                  const torch::Tensor &b);

// a @ b for 2-D a [M, K] and b [K, N] of any floating dtype, split by rows of the result.
torch::Tensor parallelMm(const torch::Tensor &a, const torch::Tensor &b);

// c = beta c + alpha (a @ b), in place, split by rows of c (contiguous [M, N]); a [M, K].
void parallelAddmm_(torch::Tensor &c, const torch::Tensor &a, const torch::Tensor &b,
                    double beta = 1.0, double alpha = 1.0);

} // namespace lieq
