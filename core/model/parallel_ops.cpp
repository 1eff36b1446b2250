#include "core/model/parallel_ops_impl.h"

#include "core/util/error.h"
#include "core/util/thread_pool.h"

#include <algorithm>

namespace lieq {

namespace {

// Output features per chunk: a multiple of 16 (whole SIMD rows for BLAS), and large enough that
// a chunk is worth a BLAS call of its own.
std::int64_t featureGrain(std::int64_t rows, std::int64_t in)
{
    const std::int64_t perFeature = std::max<std::int64_t>(1, rows * in);
    const std::int64_t g = std::max<std::int64_t>(16, (kMinParallelMacs / 4) / perFeature);
    return (g + 15) / 16 * 16;
}

// One activation row (decode): W x as a matrix-vector product. linear() sends it through
// GEMM with one column, 4-6x slower than GEMV at one BLAS thread (measured 30 ms against
// 7.6 ms for 4096x4096 fp32); the split over output features keeps each thread on its own rows.
torch::Tensor linearOneRow(const torch::Tensor &x, const torch::Tensor &weight, const torch::Tensor &bias)
{
    const std::int64_t in = weight.size(1), outFeatures = weight.size(0);
    const torch::Tensor xv = x.reshape({in}).contiguous();
    torch::Tensor y = torch::empty({outFeatures}, x.options());
    const auto rows = [&](std::int64_t r0, std::int64_t r1) {
        torch::Tensor part = y.narrow(0, r0, r1 - r0);
        torch::mv_out(part, weight.narrow(0, r0, r1 - r0), xv);
    };
    if (ThreadPool::global().threads() <= 1 || in * outFeatures < kMinParallelMacs)
        rows(0, outFeatures);
    else
        parallelFor(outFeatures, rows, featureGrain(1, in));
    if (bias.defined())
        y.add_(bias);
    std::vector<std::int64_t> shape(x.sizes().begin(), x.sizes().end());
    shape.back() = outFeatures;
    return y.view(shape);
}

} // namespace

void parallelMatmulTransposedInto(torch::Tensor &out, const torch::Tensor &a, const torch::Tensor &b)
{
    const std::int64_t M = a.size(0), K = a.size(1), N = b.size(0);
    if (out.size(0) != M || out.size(1) != N || b.size(1) != K)
        throw Error("parallel matmul: shapes do not agree");
    if (ThreadPool::global().threads() <= 1 || M * K * N < kMinParallelMacs ||
        !a.device().is_cpu()) {
        torch::mm_out(out, a, b.t());
        return;
    }
    parallelFor(
        N,
        [&](std::int64_t c0, std::int64_t c1) {
            // A column block of a row-major matrix: BLAS writes it in place (ldc = N).
            torch::Tensor block = out.narrow(1, c0, c1 - c0);
            torch::mm_out(block, a, b.narrow(0, c0, c1 - c0).t());
        },
        featureGrain(M, K));
}

torch::Tensor parallelLinear(const torch::Tensor &x, const torch::Tensor &weight,
                             const torch::Tensor &bias)
{
    const std::int64_t in = weight.size(1), outFeatures = weight.size(0);
    if (x.size(-1) != in)
        throw Error("linear: input has " + std::to_string(x.size(-1)) + " features, weight " +
                    std::to_string(in));
    const std::int64_t rows = x.numel() / std::max<std::int64_t>(1, in);
    if (rows == 1 && x.device().is_cpu() && weight.is_contiguous() &&
        weight.scalar_type() == x.scalar_type())
        return linearOneRow(x, weight, bias);
    if (ThreadPool::global().threads() <= 1 || rows * in * outFeatures < kMinParallelMacs ||
        !x.device().is_cpu())
        return torch::nn::functional::linear(x, weight, bias);
    const torch::Tensor x2 = x.reshape({rows, in}).contiguous();
    torch::Tensor y = torch::empty({rows, outFeatures}, x.options());
    parallelMatmulTransposedInto(y, x2, weight);
    if (bias.defined())
        y.add_(bias);
    std::vector<std::int64_t> shape(x.sizes().begin(), x.sizes().end());
    shape.back() = outFeatures;
    return y.view(shape);
}

torch::Tensor parallelMm(const torch::Tensor &a, const torch::Tensor &b)
{
    const std::int64_t M = a.size(0), K = a.size(1), N = b.size(1);
    if (b.size(0) != K)
        throw Error("parallel mm: shapes do not agree");
    if (ThreadPool::global().threads() <= 1 || M * K * N < kMinParallelMacs || !a.device().is_cpu())
        return a.mm(b);
    torch::Tensor out = torch::empty({M, N}, a.options());
    parallelFor(
        M,
        [&](std::int64_t r0, std::int64_t r1) {
            torch::Tensor rows = out.narrow(0, r0, r1 - r0);
            torch::mm_out(rows, a.narrow(0, r0, r1 - r0), b);
        },
        featureGrain(N, K));
    return out;
}

void parallelAddmm_(torch::Tensor &c, const torch::Tensor &a, const torch::Tensor &b,
                    double beta, double alpha)
{
    const std::int64_t M = c.size(0), N = c.size(1), K = a.size(1);
    if (a.size(0) != M || b.size(0) != K || b.size(1) != N || !c.is_contiguous())
        throw Error("parallel addmm: shapes do not agree");
    if (ThreadPool::global().threads() <= 1 || M * K * N < kMinParallelMacs || !c.device().is_cpu()) {
        c.addmm_(a, b, beta, alpha);
        return;
    }
    parallelFor(
        M,
        [&](std::int64_t r0, std::int64_t r1) {
            torch::Tensor rows = c.narrow(0, r0, r1 - r0);
            rows.addmm_(a.narrow(0, r0, r1 - r0), b, beta, alpha);
        },
        featureGrain(N, K));
}

} // namespace lieq
