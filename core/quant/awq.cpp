#include "core/quant/awq_impl.h"

#include "core/model/parallel_ops_impl.h"
#include "core/quant/rtn.h"
#include "core/util/error.h"
#include "core/util/thread_pool.h"

#include <chrono>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>

namespace lieq {

namespace {

using torch::indexing::None;
using torch::indexing::Slice;

torch::Tensor borrow(MatrixView m)
{
    return torch::from_blob(const_cast<float *>(m.data), {m.rows, m.cols}, torch::kFloat32);
}

// AutoAWQ's weight statistic: |w| normalised by its group's max, averaged over output rows.
torch::Tensor normalisedWeightMean(const torch::Tensor &w, std::int64_t gs)
{
    const torch::Tensor a = w.abs();
    torch::Tensor normalised = torch::empty_like(a);
    for (std::int64_t c0 = 0; c0 < a.size(1); c0 += gs) {
        const auto cols = Slice(c0, std::min(c0 + gs, a.size(1)));
        const torch::Tensor seg = a.index({Slice(), cols});
        normalised.index_put_({Slice(), cols}, seg / (seg.amax(1, true) + 1e-6));
    }
    return normalised.mean(0);
}

double outputMse(const torch::Tensor &x, const torch::Tensor &reference, const torch::Tensor &w)
{
    return (reference - parallelLinear(x, w)).square().mean().item<double>();
}

} // namespace

torch::Tensor fakeQuantize(const torch::Tensor &weight, const QuantConfig &config)
{
    torch::Tensor t = weight.to(torch::kFloat32).contiguous().clone();
    fakeQuantizeInPlace(MatrixSpan{t.data_ptr<float>(), t.size(0), t.size(1)}, config);
    return t;
}

torch::Tensor strideTokens(const torch::Tensor &x, std::int64_t maxTokens)
{
    const torch::Tensor flat = x.reshape({-1, x.size(-1)});
    const std::int64_t tokens = flat.size(0);
    if (maxTokens <= 0 || tokens <= maxTokens)
        return flat;
    const std::int64_t step = (tokens + maxTokens - 1) / maxTokens;
    return flat.index({Slice(None, None, step)});
}

AwqScaleResult awqSearchScales(const torch::Tensor &x, const std::vector<torch::Tensor> &weights,
                               const AwqOptions &options, const ProgressFn &progress)
{
    const auto start = std::chrono::steady_clock::now();
    validateQuantConfig(options.quant);
    if (weights.empty())
        throw Error("AWQ: no linear modules given for the scale search");
    if (options.gridSize <= 0)
        throw Error("AWQ: the alpha grid needs at least one point");
    const std::int64_t in = x.size(-1);
    std::vector<torch::Tensor> ws;
    for (const torch::Tensor &w : weights) {
        if (w.dim() != 2 || w.size(1) != in)
            throw Error("AWQ: every linear of a scaling group must take the shared input of " +
                        std::to_string(in) + " features");
        ws.push_back(w.to(torch::kFloat32));
    }
    const torch::Tensor wcat = torch::cat(ws, 0).contiguous();
    const torch::Tensor xf = x.reshape({-1, in}).to(torch::kFloat32);
    if (xf.size(0) == 0)
        throw Error("AWQ: no calibration tokens");

    const torch::Tensor xMean = xf.abs().mean(0);
    const torch::Tensor wMean = normalisedWeightMean(wcat, options.quant.effectiveGroupSize(in));
    const torch::Tensor xs = strideTokens(xf, options.maxTokens).contiguous();
    const torch::Tensor reference = parallelLinear(xs, wcat);

    AwqScaleResult result;
    result.unscaledError = outputMse(xs, reference, fakeQuantize(wcat, options.quant));
    // The candidates are independent: on 2+ threads (CPU tensors) they run side by side as whole
    // single-threaded tasks, so that a thread slowed by another process takes fewer (issue 10:
    // with one core busy, splitting each candidate's product lost to one thread). The same
    // errors either way; the first best (lowest alpha) wins, as in turn.
    const auto scalesFor = [&](int k) {
        const double alpha = double(k) / double(options.gridSize);
        torch::Tensor s = options.duoScaling
                              ? xMean.pow(alpha) / (wMean.pow(1.0 - alpha) + 1e-4)
                              : xMean.pow(alpha);
        s = s.clamp_min(1e-4);
        return s / (s.max() * s.min()).sqrt(); // keep scales centred around 1
    };
    result.gridErrors.assign(std::size_t(options.gridSize), 0.0);
    SideBySideOptions sbs;
    sbs.beforeTask = [&](std::int64_t k) {
        reportProgress(progress, Progress{"awq scales", k, options.gridSize, {}});
    };
    sbs.useThreads = ThreadPool::global().threads() > 1 && xs.device().is_cpu();
    runSideBySide(options.gridSize, [&](std::int64_t k) {
        const torch::Tensor s = scalesFor(int(k));
        result.gridErrors[std::size_t(k)] =
            outputMse(xs, reference, fakeQuantize(wcat * s, options.quant) / s);
    }, sbs);
    reportProgress(progress, Progress{"awq scales", options.gridSize, options.gridSize, {}});
    double best = std::numeric_limits<double>::infinity();
    torch::Tensor bestScales;
    for (int k = 0; k < options.gridSize; ++k)
        if (result.gridErrors[std::size_t(k)] < best) {
            best = result.gridErrors[std::size_t(k)];
            bestScales = scalesFor(k);
            result.alpha = double(k) / double(options.gridSize);
        }
    if (!bestScales.defined())
        throw Error("AWQ: every scale candidate gave a non-finite error (check the inputs)");
    result.error = best;
    const torch::Tensor sc = bestScales.contiguous();
    result.scales.assign(sc.data_ptr<float>(), sc.data_ptr<float>() + sc.numel());
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

AwqScaleResult awqSearchScales(MatrixView x, const std::vector<MatrixView> &weights,
                               const AwqOptions &options, const ProgressFn &progress)
{
    if (!x.data || x.rows <= 0)
        throw Error("AWQ: no calibration tokens");
    std::vector<torch::Tensor> ws;
    for (const MatrixView &w : weights) {
        if (!w.data)
            throw Error("AWQ: empty weight matrix");
        ws.push_back(borrow(w));
    }
    return awqSearchScales(borrow(x), ws, options, progress);
}

} // namespace lieq
