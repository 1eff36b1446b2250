#pragma once
// Internal (torch) header: the heavy tensor operations of the runtime split over the engine's
// thread pool (core/util/thread_pool.h). Each chunk runs single-threaded torch/BLAS code on its
// own slice of the output, so no two threads write the same memory and no library thread team
// is ever started. Below a size where a split cannot pay for waking a thread (about 10 us),
// everything runs inline on the caller.

#include <torch/torch.h>

#include <cstdint>
#include <functional>

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

// Elements below which an element-wise step stays on the calling thread (about 20 us of work).
inline constexpr std::int64_t kMinParallelElements = 1 << 16;

// fn(r0, r1) over row blocks of [0, rows), rows of `cols` elements each: split over the pool in
// chunks of about 16k elements when the whole is large enough to pay for waking a thread and
// `like` is on the CPU, else one call on the caller.
void parallelForRows(const torch::Tensor &like, std::int64_t rows, std::int64_t cols,
                     const std::function<void(std::int64_t, std::int64_t)> &fn);

// dst <- src (the same shape, any strides and dtypes), split by rows of dimension 0.
void parallelCopy_(const torch::Tensor &dst, const torch::Tensor &src);

// A contiguous copy of src (any strides) as `dtype`, always a new tensor; split like
// parallelCopy_. Replaces clone()/contiguous()/to() of large matrices in the backends.
torch::Tensor parallelContiguousCopy(const torch::Tensor &src,
                                     torch::ScalarType dtype = torch::kFloat32);

// Whether every element is finite (no NaN, no +-Inf); split over the pool when large.
bool parallelAllFinite(const torch::Tensor &t);

// sum(a * b) over all elements in fp64 (a, b the same shape, fp32). Partial sums over fixed
// chunks added in order, so the result does not depend on the thread count.
double parallelDotSum(const torch::Tensor &a, const torch::Tensor &b);

} // namespace lieq
