#include "core/quant/gptq_impl.h"

#include "core/quant/quant_grid.h"
#include "core/model/parallel_ops_impl.h"
#include "core/util/error.h"
#include "core/util/thread_pool.h"


#include <chrono>
#include <cmath>
#include <optional>
#include <sstream>
#include <string>

namespace lieq {

namespace {

using torch::indexing::Slice;

// A Cholesky factor whose smallest pivot^2 falls below this fraction of mean(diag H) is
// numerically singular in fp32 (rank-deficient inputs without damping): its inverse would
// amplify rounding noise by more than 1e6, so it is treated like a failed factorisation.
constexpr double kMinPivotRatio = 1e-6;

// Upper Cholesky factor of H^-1 for H + damp I, or nothing when the factorisation fails.
std::optional<torch::Tensor> dampedInverseFactor(const torch::Tensor &h, double damp,
                                                 double meanDiag)
{
    torch::Tensor hd = h.clone();
    hd.diagonal().add_(damp);
    auto [lower, info] = torch::linalg_cholesky_ex(hd, /*upper=*/false, /*check_errors=*/false);
    if (info.item<int>() != 0)
        return std::nullopt;
    const double minPivot2 = lower.diagonal().square().min().item<double>();
    if (!std::isfinite(minPivot2) || minPivot2 < kMinPivotRatio * meanDiag)
        return std::nullopt;
    const torch::Tensor inverse = torch::cholesky_inverse(lower);
    auto [upper, info2] = torch::linalg_cholesky_ex(inverse, /*upper=*/true, false);
    if (info2.item<int>() != 0 || !torch::isfinite(upper).all().item<bool>())
        return std::nullopt;
    return upper.contiguous();
}

void checkInputs(const torch::Tensor &weight, const torch::Tensor &hessian,
                 const GptqOptions &options)
{
    validateQuantConfig(options.quant);
    if (weight.dim() != 2 || weight.size(0) <= 0 || weight.size(1) <= 0)
        throw Error("GPTQ: the weight must be a non-empty matrix");
    const std::int64_t cols = weight.size(1);
    if (hessian.dim() != 2 || hessian.size(0) != cols || hessian.size(1) != cols)
        throw Error("GPTQ: the Hessian is not " + std::to_string(cols) + "x" +
                    std::to_string(cols) + " as the weight's input columns require");
    if (options.blockSize <= 0)
        throw Error("GPTQ: block size must be positive");
    if (!(options.dampPercent >= 0.0 && options.dampPercent < 1.0) ||
        !(options.dampIncrement > 0.0))
        throw Error("GPTQ: damping must be in [0, 1) with a positive increment");
    if (!torch::isfinite(hessian).all().item<bool>())
        throw Error("GPTQ: the Hessian holds non-finite values (check the calibration inputs)");
}

} // namespace

GptqResult gptqQuantize(const torch::Tensor &weight, const torch::Tensor &hessian,
                        std::int64_t samples, const GptqOptions &options,
                        const ProgressFn &progress)
{
    const auto start = std::chrono::steady_clock::now();
    checkInputs(weight, hessian, options);
    const QuantConfig &cfg = options.quant;
    const std::int64_t rows = weight.size(0);
    const std::int64_t cols = weight.size(1);
    const std::int64_t gs = cfg.effectiveGroupSize(cols);
    const std::int64_t numGroups = (cols + gs - 1) / gs;
    const int maxq = cfg.maxq();

    GptqResult result;
    result.samples = samples;
    QuantizedTensor &q = result.tensor;
    q.rows = rows;
    q.cols = cols;
    q.bits = cfg.bits;
    q.groupSize = cfg.groupSize;
    q.symmetric = cfg.symmetric;
    q.numGroups = numGroups;
    q.codes.assign(std::size_t(rows * cols), 0);
    q.scales.assign(std::size_t(rows * numGroups), 1.0f);
    q.zeros.assign(std::size_t(rows * numGroups), 0);
    q.gIdx.assign(std::size_t(cols), 0);

    // Work on W^T ([cols, rows]) so that a weight column is contiguous in the inner loop.
    torch::Tensor w = weight.to(torch::kFloat32).contiguous().clone();
    torch::Tensor h = hessian.to(torch::kFloat32).clone();

    // Inputs that never fire carry no information: pin their diagonal, zero their weights.
    const torch::Tensor dead = h.diagonal() == 0;
    result.deadColumns = dead.sum().item<std::int64_t>();
    if (result.deadColumns > 0) {
        h.diagonal().masked_fill_(dead, 1.0);
        w.index_put_({Slice(), dead}, 0.0);
    }

    // Static groups: grids from the whole (unpermuted) weight before any error feedback.
    std::vector<GridParams> staticGrid;
    if (options.staticGroups) {
        staticGrid.resize(std::size_t(rows * numGroups));
        const float *wp = w.data_ptr<float>();
        for (std::int64_t r = 0; r < rows; ++r) {
            for (std::int64_t g = 0; g < numGroups; ++g) {
                const std::int64_t c0 = g * gs;
                staticGrid[r * numGroups + g] = gridForValues(
                    wp + r * cols + c0, std::min(gs, cols - c0), 1, cfg.bits, cfg.symmetric);
            }
        }
    }

    std::vector<std::int32_t> perm; // processing position -> original column
    if (options.actOrder) {
        // Stable sort so that ties (e.g. pinned dead columns) keep a deterministic order.
        const torch::Tensor order =
            std::get<1>(torch::sort(h.diagonal(), /*stable=*/true, /*dim=*/0, /*descending=*/true));
        w = w.index_select(1, order);
        h = h.index_select(0, order).index_select(1, order);
        const torch::Tensor order32 = order.to(torch::kInt32).contiguous();
        perm.assign(order32.data_ptr<std::int32_t>(), order32.data_ptr<std::int32_t>() + cols);
    }

    const double meanDiag = h.diagonal().mean().item<double>();
    double dampPercent = options.dampPercent;
    std::optional<torch::Tensor> hinvFactor;
    while (!(hinvFactor = dampedInverseFactor(h, dampPercent * meanDiag, meanDiag))) {
        ++result.dampRetries;
        const double next = options.dampPercent + result.dampRetries * options.dampIncrement;
        if (next >= 1.0) {
            std::ostringstream msg;
            msg << "GPTQ: the Hessian is not positive definite even with damping " << dampPercent
                << " x mean(diag H) (calibration inputs degenerate or non-finite)";
            throw Error(msg.str());
        }
        std::ostringstream detail;
        detail << "Cholesky failed at damping " << dampPercent << ", retrying with " << next;
        reportProgress(progress, Progress{"gptq", 0, cols, detail.str()});
        dampPercent = next;
    }
    result.dampPercent = dampPercent;
    const torch::Tensor hinv = *hinvFactor;
    h = torch::Tensor(); // the Hessian copy is no longer needed

    torch::Tensor wt = w.t().contiguous(); // [cols, rows], updated block by block
    w = torch::Tensor();
    float *wtp = wt.data_ptr<float>();
    std::vector<std::uint8_t> codesT(std::size_t(rows * cols)); // processing order, [col][row]
    std::vector<GridParams> dynGrid(options.staticGroups ? 0 : std::size_t(rows * numGroups));
    std::vector<double> rowLoss(std::size_t(rows), 0.0);

    for (std::int64_t i1 = 0; i1 < cols; i1 += options.blockSize) {
        const std::int64_t i2 = std::min(i1 + options.blockSize, cols);
        const std::int64_t count = i2 - i1;
        torch::Tensor w1 = wt.index({Slice(i1, i2)}).clone();
        torch::Tensor err1 = torch::zeros({count, rows}, torch::kFloat32);
        const torch::Tensor hinv1 = hinv.index({Slice(i1, i2), Slice(i1, i2)}).contiguous();
        float *w1p = w1.data_ptr<float>();
        float *errp = err1.data_ptr<float>();
        const float *hp = hinv1.data_ptr<float>();

        // Rows are independent inside a block: each thread takes a slice of rows through
        // all of the block's columns.
        const std::int64_t grain = std::max<std::int64_t>(16, rows / 64);
        parallelFor(rows, [&](std::int64_t r0, std::int64_t r1) {
            for (std::int64_t i = 0; i < count; ++i) {
                const std::int64_t col = i1 + i;
                const std::int64_t group = col / gs;
                if (!options.staticGroups && col % gs == 0) {
                    // As the reference: the grid comes from W with the updates of earlier
                    // blocks but not those made earlier in this block.
                    const std::int64_t n = std::min(gs, cols - col);
                    for (std::int64_t r = r0; r < r1; ++r)
                        dynGrid[r * numGroups + group] = gridForValues(
                            wtp + col * rows + r, n, rows, cfg.bits, cfg.symmetric);
                }
                const std::int64_t origGroup = (perm.empty() ? col : perm[col]) / gs;
                const float d = hp[i * count + i];
                float *wcol = w1p + i * rows;
                float *ecol = errp + i * rows;
                std::uint8_t *codes = codesT.data() + col * rows;
                for (std::int64_t r = r0; r < r1; ++r) {
                    const GridParams &g = options.staticGroups
                                              ? staticGrid[r * numGroups + origGroup]
                                              : dynGrid[r * numGroups + group];
                    const float x = wcol[r];
                    const int code = quantizeToCode(x, g, maxq);
                    const float e = x - codeToValue(code, g);
                    codes[r] = std::uint8_t(code);
                    rowLoss[r] += double(e) * double(e) / (double(d) * double(d));
                    ecol[r] = e / d;
                }
                for (std::int64_t j = i + 1; j < count; ++j) {
                    const float hij = hp[i * count + j];
                    float *wj = w1p + j * rows;
                    for (std::int64_t r = r0; r < r1; ++r)
                        wj[r] -= ecol[r] * hij;
                }
            }
        }, grain);

        // Lazy batch update of the columns after this block: W[:, i2:] -= Err1 Hinv[i1:i2, i2:].
        if (i2 < cols) {
            torch::Tensor rest = wt.index({Slice(i2)});
            parallelAddmm_(rest, hinv.index({Slice(i1, i2), Slice(i2)}).t(), err1, 1.0, -1.0);
        }
        reportProgress(progress, Progress{"gptq", i2, cols, {}});
    }

    // Back to the original column order; grids and g_idx as the reference stores them.
    for (std::int64_t k = 0; k < cols; ++k) {
        const std::int64_t c = perm.empty() ? k : perm[k];
        q.gIdx[c] = std::int32_t(options.staticGroups ? c / gs : k / gs);
        const std::uint8_t *src = codesT.data() + k * rows;
        for (std::int64_t r = 0; r < rows; ++r)
            q.codes[r * cols + c] = src[r];
    }
    const std::vector<GridParams> &grids = options.staticGroups ? staticGrid : dynGrid;
    for (std::size_t i = 0; i < grids.size(); ++i) {
        q.scales[i] = grids[i].scale;
        q.zeros[i] = std::uint8_t(grids[i].zero);
    }
    q.perm = std::move(perm);

    double loss = 0.0;
    for (double l : rowLoss)
        loss += l;
    result.loss = loss / 2.0;
    result.avgLoss = samples > 0 ? result.loss / double(samples) : 0.0;
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

} // namespace lieq
