#include "core/quant/awq_impl.h"

#include "core/util/error.h"
#include "core/util/thread_pool.h"

#include <string>
#include <vector>

namespace lieq {

namespace {

using torch::indexing::Slice;

torch::Tensor borrow(MatrixView m)
{
    return torch::from_blob(const_cast<float *>(m.data), {m.rows, m.cols}, torch::kFloat32);
}

} // namespace

AwqClipResult awqSearchClip(const torch::Tensor &weight, const torch::Tensor &x,
                            const AwqOptions &options)
{
    validateQuantConfig(options.quant);
    if (weight.dim() != 2 || weight.size(0) <= 0 || x.size(-1) != weight.size(1))
        throw Error("AWQ clip: the input has " + std::to_string(x.size(-1)) +
                    " features but the weight takes " + std::to_string(weight.size(-1)));
    if (options.clipGrid <= 0 || !(options.maxShrink > 0.0 && options.maxShrink < 1.0))
        throw Error("AWQ clip: needs a positive grid and a shrink limit in (0, 1)");
    const torch::Tensor w = weight.to(torch::kFloat32).contiguous();
    const torch::Tensor xs = strideTokens(x.to(torch::kFloat32), options.clipTokens);
    const std::int64_t rows = w.size(0);
    const std::int64_t cols = w.size(1);

    AwqClipResult result;
    result.groupSize = options.quant.effectiveGroupSize(cols);
    result.numGroups = (cols + result.groupSize - 1) / result.groupSize;
    result.maxValues.resize(std::size_t(rows * result.numGroups));
    // Each candidate grid covers exactly one group of a row.
    const QuantConfig perGroup{options.quant.bits, -1, options.quant.symmetric};
    const int steps = std::max(1, int(options.maxShrink * options.clipGrid));

    // Groups are independent: each thread searches whole groups (single-threaded torch inside).
    std::vector<double> before(std::size_t(result.numGroups)), after(std::size_t(result.numGroups));
    const auto searchGroup = [&](std::int64_t g) {
        const std::int64_t c0 = g * result.groupSize;
        const auto cs = Slice(c0, std::min(c0 + result.groupSize, cols));
        const torch::Tensor xg = xs.index({Slice(), cs}).contiguous();
        const torch::Tensor wg = w.index({Slice(), cs}).contiguous();
        const torch::Tensor reference = xg.mm(wg.t()); // [tokens, rows]
        const torch::Tensor orgMax = wg.abs().amax(1, true);
        torch::Tensor bestMax = orgMax.clone();
        torch::Tensor minErr;
        for (int i = 0; i < steps; ++i) {
            const torch::Tensor maxVal = orgMax * (1.0 - double(i) / options.clipGrid);
            const torch::Tensor clipped = torch::max(torch::min(wg, maxVal), -maxVal);
            const torch::Tensor q = fakeQuantize(clipped, perGroup);
            const torch::Tensor err = (xg.mm(q.t()) - reference).square().mean(0); // [rows]
            if (i == 0) {
                minErr = err;
                before[std::size_t(g)] = err.mean().item<double>();
                continue;
            }
            const torch::Tensor better = err < minErr;
            minErr = torch::where(better, err, minErr);
            bestMax = torch::where(better.unsqueeze(1), maxVal, bestMax);
        }
        after[std::size_t(g)] = minErr.mean().item<double>();
        const torch::Tensor bm = bestMax.reshape({rows}).contiguous();
        const float *bp = bm.data_ptr<float>();
        for (std::int64_t r = 0; r < rows; ++r)
            result.maxValues[r * result.numGroups + g] = bp[r];
    };
    parallelFor(result.numGroups, [&](std::int64_t g0, std::int64_t g1) {
        for (std::int64_t g = g0; g < g1; ++g)
            searchGroup(g);
    });
    for (std::int64_t g = 0; g < result.numGroups; ++g) {
        result.errorBefore += before[std::size_t(g)];
        result.errorAfter += after[std::size_t(g)];
    }
    result.errorBefore /= double(result.numGroups);
    result.errorAfter /= double(result.numGroups);
    return result;
}

AwqClipResult awqSearchClip(MatrixView weight, MatrixView x, const AwqOptions &options)
{
    if (!weight.data || !x.data || x.rows <= 0)
        throw Error("AWQ clip: empty weight or input");
    return awqSearchClip(borrow(weight), borrow(x), options);
}

void applyAwqClip(MatrixSpan weight, const AwqClipResult &clip)
{
    if (clip.groupSize <= 0 ||
        std::int64_t(clip.maxValues.size()) != weight.rows * clip.numGroups ||
        clip.numGroups != (weight.cols + clip.groupSize - 1) / clip.groupSize)
        throw Error("AWQ clip: the clip thresholds do not match the weight's shape");
    for (std::int64_t r = 0; r < weight.rows; ++r) {
        float *row = weight.data + r * weight.cols;
        for (std::int64_t c = 0; c < weight.cols; ++c) {
            const float m = clip.maxValues[r * clip.numGroups + c / clip.groupSize];
            row[c] = std::min(std::max(row[c], -m), m);
        }
    }
}

} // namespace lieq
