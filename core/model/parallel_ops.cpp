#include "core/model/parallel_ops_impl.h"

#include "core/util/error.h"
#include "core/util/thread_pool.h"
#include "kernels/parallel.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

namespace lieq {

namespace {

// The kernels split their work through the engine's one pool, so lieq::setComputeThreads
// governs them like every other operation. Installed here, in the file every runtime product
// goes through, so any binary that runs a model has it.
const bool g_kernelThreads = [] {
    kernels::setParallelFor([](std::int64_t n, const kernels::RangeFn &fn, std::int64_t grain) {
        ThreadPool::global().parallelFor(n, fn, grain);
    });
    kernels::setParallelWidth([] { return ThreadPool::global().threads(); });
    return true;
}();

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
        // Timed both ways per weight, as the kernels' GEMVs are: a decode step's products are
        // short enough that a second thread sharing its core with another process made them
        // slower than one thread (bench_threads generate, one core busy: 0.91x).
        kernels::parallelForTimed(weight.data_ptr(), 0, outFeatures, rows, featureGrain(1, in));
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

namespace {

// Rows per chunk for rows of `cols` elements: about 16k elements.
std::int64_t rowGrain(std::int64_t cols)
{
    return std::max<std::int64_t>(1, (kMinParallelElements / 4) / std::max<std::int64_t>(1, cols));
}

// A tensor as rows along dimension 0 ([rows, rest]); a 0-d or 1-d tensor is one row or rows of 1.
std::int64_t rowLength(const torch::Tensor &t)
{
    return t.dim() == 0 || t.size(0) == 0 ? 1 : t.numel() / t.size(0);
}

} // namespace

void parallelForRows(const torch::Tensor &like, std::int64_t rows, std::int64_t cols,
                     const std::function<void(std::int64_t, std::int64_t)> &fn)
{
    if (rows <= 1 || rows * std::max<std::int64_t>(1, cols) < kMinParallelElements ||
        !like.device().is_cpu() || ThreadPool::global().threads() <= 1) {
        fn(0, rows);
        return;
    }
    parallelFor(rows, fn, rowGrain(cols));
}

void parallelCopy_(const torch::Tensor &dst, const torch::Tensor &src)
{
    if (dst.sizes() != src.sizes())
        throw Error("parallel copy: shapes do not agree");
    if (dst.dim() == 0) {
        dst.copy_(src);
        return;
    }
    parallelForRows(dst, dst.size(0), rowLength(dst), [&](std::int64_t r0, std::int64_t r1) {
        dst.narrow(0, r0, r1 - r0).copy_(src.narrow(0, r0, r1 - r0));
    });
}

torch::Tensor parallelContiguousCopy(const torch::Tensor &src, torch::ScalarType dtype)
{
    torch::Tensor out = torch::empty(src.sizes(), src.options().dtype(dtype));
    parallelCopy_(out, src);
    return out;
}

namespace {

// Whether none of n values is NaN or +-Inf, read as their bits: all exponent bits set means
// NaN or Inf. An OR over compares, which the compiler vectorizes at any -march (torch::isfinite
// with its masks and .all() took 4-5% of a 1-thread GPTQ run on the Hessians and factors).
template <typename Bits, typename T>
bool finiteBits(const T *p, std::int64_t n, Bits exponent)
{
    Bits bad = 0;
    for (std::int64_t i = 0; i < n; ++i) {
        Bits b;
        std::memcpy(&b, p + i, sizeof b);
        bad |= Bits((b & exponent) == exponent);
    }
    return bad == 0;
}

bool chunkFinite(const torch::Tensor &chunk)
{
    if (chunk.is_contiguous() && chunk.device().is_cpu()) {
        const std::int64_t n = chunk.numel();
        switch (chunk.scalar_type()) {
        case torch::kFloat32:
            return finiteBits<std::uint32_t>(chunk.data_ptr<float>(), n, 0x7f800000u);
        case torch::kBFloat16:
            return finiteBits<std::uint16_t>(chunk.data_ptr<at::BFloat16>(), n, std::uint16_t(0x7f80));
        case torch::kFloat16:
            return finiteBits<std::uint16_t>(chunk.data_ptr<at::Half>(), n, std::uint16_t(0x7c00));
        default:
            break;
        }
    }
    return torch::isfinite(chunk).all().item<bool>();
}

} // namespace

bool parallelAllFinite(const torch::Tensor &t)
{
    if (!t.is_floating_point())
        return true;
    const torch::Tensor flat = t.reshape({-1});
    const std::int64_t chunk = kMinParallelElements * 4, n = flat.numel();
    std::atomic<bool> finite{true};
    // A found NaN stops the remaining chunks early.
    parallelForRows(flat, (n + chunk - 1) / chunk, chunk, [&](std::int64_t c0, std::int64_t c1) {
        for (std::int64_t c = c0; c < c1 && finite.load(std::memory_order_relaxed); ++c) {
            const std::int64_t e0 = c * chunk, e1 = std::min(n, e0 + chunk);
            if (!chunkFinite(flat.narrow(0, e0, e1 - e0)))
                finite = false;
        }
    });
    return finite;
}

double parallelDotSum(const torch::Tensor &a, const torch::Tensor &b)
{
    if (a.sizes() != b.sizes())
        throw Error("parallel dot: shapes do not agree");
    const torch::Tensor x = a.reshape({-1}), y = b.reshape({-1});
    const std::int64_t chunk = kMinParallelElements, n = x.numel();
    std::vector<double> partial(std::size_t((n + chunk - 1) / chunk), 0.0);
    parallelForRows(x, std::int64_t(partial.size()), chunk, [&](std::int64_t c0, std::int64_t c1) {
        for (std::int64_t c = c0; c < c1; ++c) {
            const std::int64_t e0 = c * chunk, e1 = std::min(n, e0 + chunk);
            partial[std::size_t(c)] = (x.narrow(0, e0, e1 - e0) * y.narrow(0, e0, e1 - e0))
                                          .sum(torch::kFloat64)
                                          .item<double>();
        }
    });
    double sum = 0;
    for (double p : partial)
        sum += p;
    return sum;
}

} // namespace lieq
