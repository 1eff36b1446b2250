#include "core/quant/gptq_impl.h"

#include "core/quant/quant_grid.h"
#include "core/model/parallel_ops_impl.h"
#include "core/util/error.h"
#include "core/util/thread_pool.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <optional>
#include <sstream>
#include <string>

namespace lieq {

namespace {

using torch::indexing::Slice;

// Weight rows per band of the column loop (see quantizeColumns): a band's W^T (cols x 128
// floats, 0.5-1.5 MB for 1024-3072 columns) stays in a core's L2, its lazy updates are GEMMs of
// 128 columns, and a 1024-row weight gives 8 bands for the threads to share.
constexpr std::int64_t kBandRows = 128;

// A Cholesky factor whose smallest pivot^2 falls below this fraction of mean(diag H) is
// numerically singular in fp32 (rank-deficient inputs without damping): its inverse would
// amplify rounding noise by more than 1e6, so it is treated like a failed factorisation.
constexpr double kMinPivotRatio = 1e-6;

// Upper Cholesky factor of H^-1 for H + damp I, or nothing when the factorisation fails.
std::optional<torch::Tensor> dampedInverseFactor(const torch::Tensor &h, double damp,
                                                 double meanDiag)
{
    std::optional<GptqInverseFactor> f = gptqInverseFactor(h, damp);
    if (!f || !std::isfinite(f->minPivotSquared) || f->minPivotSquared < kMinPivotRatio * meanDiag)
        return std::nullopt;
    return f->upper;
}

void checkOptions(const GptqOptions &options)
{
    validateQuantConfig(options.quant);
    if (options.blockSize <= 0)
        throw Error("GPTQ: block size must be positive");
    if (!(options.dampPercent >= 0.0 && options.dampPercent < 1.0) ||
        !(options.dampIncrement > 0.0))
        throw Error("GPTQ: damping must be in [0, 1) with a positive increment");
}

void checkWeight(const torch::Tensor &weight)
{
    if (weight.dim() != 2 || weight.size(0) <= 0 || weight.size(1) <= 0)
        throw Error("GPTQ: the weight must be a non-empty matrix");
}

void checkHessianShape(const torch::Tensor &hessian, std::int64_t cols)
{
    if (hessian.dim() != 2 || hessian.size(0) != cols || hessian.size(1) != cols)
        throw Error("GPTQ: the Hessian is not " + std::to_string(cols) + "x" +
                    std::to_string(cols) + " as the weight's input columns require");
}

// Upper Cholesky factor of (H + damp I)^-1 for the prepared (dead-pinned, permuted) H, raising
// the damping until it factors.
void factorInverse(GptqPreparedHessian &p, const torch::Tensor &h, const GptqOptions &options,
                   const ProgressFn &progress)
{
    const double meanDiag = h.diagonal().mean().item<double>();
    double dampPercent = options.dampPercent;
    std::optional<torch::Tensor> factor;
    while (!(factor = dampedInverseFactor(h, dampPercent * meanDiag, meanDiag))) {
        ++p.dampRetries;
        const double next = options.dampPercent + p.dampRetries * options.dampIncrement;
        if (next >= 1.0) {
            std::ostringstream msg;
            msg << "GPTQ: the Hessian is not positive definite even with damping " << dampPercent
                << " x mean(diag H) (calibration inputs degenerate or non-finite)";
            throw Error(msg.str());
        }
        std::ostringstream detail;
        detail << "Cholesky failed at damping " << dampPercent << ", retrying with " << next;
        reportProgress(progress, Progress{"gptq", 0, p.columns, detail.str()});
        dampPercent = next;
    }
    p.dampPercent = dampPercent;
    p.hinv = factor->contiguous();
}

// One GPTQ run in named steps; the matrices the steps share live here.
class GptqRun
{
public:
    GptqRun(const torch::Tensor &weight, const GptqPreparedHessian &prepared, std::int64_t samples,
            const GptqOptions &options, const ProgressFn &progress)
        : m_options(options), m_cfg(options.quant), m_progress(progress), m_prepared(prepared),
          m_rows(weight.size(0)), m_cols(weight.size(1)), m_gs(m_cfg.effectiveGroupSize(m_cols)),
          m_numGroups((m_cols + m_gs - 1) / m_gs), m_maxq(m_cfg.maxq()), m_hinv(prepared.hinv)
    {
        m_result.samples = samples;
        // The copy is ours to modify (the bands work on W^T, see quantizeBand).
        m_w = parallelContiguousCopy(weight);
    }

    GptqResult run()
    {
        const auto start = std::chrono::steady_clock::now();
        m_result.deadColumns = m_prepared.deadColumns;
        m_result.dampPercent = m_prepared.dampPercent;
        m_result.dampRetries = m_prepared.dampRetries;
        // Inputs that never fire carry no information: their weights are zeroed.
        if (m_prepared.deadColumns > 0)
            m_w.index_put_({Slice(), m_prepared.dead}, 0.0);
        if (m_options.staticGroups)
            m_staticGrid = gridsOf(m_w);
        if (m_prepared.order.defined())
            permuteByActivation();
        quantizeColumns();
        writeTensor();
        m_result.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() +
            m_prepared.seconds;
        return std::move(m_result);
    }

private:
    // Static groups: grids from the whole (unpermuted) weight before any error feedback.
    std::vector<GridParams> gridsOf(const torch::Tensor &w) const
    {
        std::vector<GridParams> grid(std::size_t(m_rows * m_numGroups));
        const float *wp = w.data_ptr<float>();
        for (std::int64_t r = 0; r < m_rows; ++r)
            for (std::int64_t g = 0; g < m_numGroups; ++g) {
                const std::int64_t c0 = g * m_gs;
                grid[r * m_numGroups + g] = gridForValues(wp + r * m_cols + c0,
                                                          std::min(m_gs, m_cols - c0), 1,
                                                          m_cfg.bits, m_cfg.symmetric);
            }
        return grid;
    }

    // Act-order: the weight's columns in the prepared order (decreasing Hessian diagonal).
    void permuteByActivation()
    {
        m_w = m_w.index_select(1, m_prepared.order);
        const torch::Tensor order32 = m_prepared.order.to(torch::kInt32).contiguous();
        m_perm.assign(order32.data_ptr<std::int32_t>(), order32.data_ptr<std::int32_t>() + m_cols);
    }

    // Column by column in blocks: quantize, spread the error over the block's later columns,
    // then update the columns after the block at once (the lazy batch update). Every step of it
    // works on each weight row alone (Hinv is shared and only read), so the rows are cut into
    // bands of kBandRows that run the whole column loop by themselves, taken dynamically by the
    // pool's threads: no synchronisation between blocks, a band's columns stay in its thread's
    // cache, and a thread slowed by another process takes fewer bands. The bands are the same
    // at any thread count, so the result does not depend on it.
    void quantizeColumns()
    {
        m_codesT.assign(std::size_t(m_rows * m_cols), 0);
        if (!m_options.staticGroups)
            m_dynGrid.assign(std::size_t(m_rows * m_numGroups), {});
        m_rowLoss.assign(std::size_t(m_rows), 0.0);
        const std::int64_t bands = (m_rows + kBandRows - 1) / kBandRows;
        const std::int64_t blocks = (m_cols + m_options.blockSize - 1) / m_options.blockSize;
        BandProgress tracker(m_progress, bands * blocks, m_cols, m_options.blockSize);
        parallelFor(
            bands,
            [&](std::int64_t b0, std::int64_t b1) {
                for (std::int64_t b = b0; b < b1; ++b)
                    quantizeBand(b * kBandRows, std::min(m_rows, (b + 1) * kBandRows), tracker);
            },
            1);
        tracker.finish();
        m_w = torch::Tensor();
    }

    // Progress and cancellation of the bands: the calling thread reports (the callback may
    // belong to a GUI and is never called from a pool worker), and a cancellation it sees stops
    // every band at its next block.
    class BandProgress
    {
    public:
        BandProgress(const ProgressFn &fn, std::int64_t units, std::int64_t cols, std::int64_t block)
            : m_fn(fn), m_units(units), m_cols(cols), m_block(block)
        {
        }
        bool stopped() const { return m_stop.load(std::memory_order_relaxed); }
        // One block of one band done.
        void blockDone()
        {
            const std::int64_t done = m_done.fetch_add(1, std::memory_order_relaxed) + 1;
            if (!m_fn || !onCallingThread())
                return;
            // At most one report per block's worth of columns, as with one band.
            std::int64_t columns = done * m_cols / m_units;
            if (columns != m_cols)
                columns -= columns % m_block;
            if (columns == m_reported)
                return;
            m_reported = columns;
            try {
                reportProgress(m_fn, Progress{"gptq", columns, m_cols, {}});
            } catch (...) {
                m_stop.store(true, std::memory_order_relaxed);
                throw;
            }
        }
        void finish()
        {
            if (m_reported != m_cols)
                reportProgress(m_fn, Progress{"gptq", m_cols, m_cols, {}});
        }

    private:
        const ProgressFn &m_fn;
        const std::int64_t m_units, m_cols, m_block;
        std::atomic<std::int64_t> m_done{0};
        std::atomic<bool> m_stop{false};
        std::int64_t m_reported = 0; // the caller's last report (columns)
    };

    // Rows [r0, r1) through all columns: W^T of the band in a buffer of its own ([cols][n]), then
    // per block the quantization and the lazy update of the band's later columns.
    void quantizeBand(std::int64_t r0, std::int64_t r1, BandProgress &tracker)
    {
        const std::int64_t n = r1 - r0, bs = m_options.blockSize;
        torch::Tensor wt = torch::empty({m_cols, n}, torch::kFloat32);
        wt.copy_(m_w.narrow(0, r0, n).t());
        torch::Tensor w1 = torch::empty({std::min(bs, m_cols), n}, torch::kFloat32);
        torch::Tensor err1 = torch::empty_like(w1);
        for (std::int64_t i1 = 0; i1 < m_cols; i1 += bs) {
            if (tracker.stopped())
                return;
            const std::int64_t i2 = std::min(i1 + bs, m_cols), count = i2 - i1;
            std::memcpy(w1.data_ptr<float>(), wt.data_ptr<float>() + i1 * n,
                        std::size_t(count * n) * sizeof(float));
            quantizeBlock(i1, i2, r0, r1, wt.data_ptr<float>(), w1.data_ptr<float>(),
                          err1.data_ptr<float>());
            // W[:, i2:] -= Err1 Hinv[i1:i2, i2:], for the band's rows.
            if (i2 < m_cols) {
                torch::Tensor rest = wt.narrow(0, i2, m_cols - i2);
                rest.addmm_(m_hinv.index({Slice(i1, i2), Slice(i2)}).t(), err1.narrow(0, 0, count),
                            1.0, -1.0);
            }
            tracker.blockDone();
        }
    }

    // Columns [i1, i2) of rows [r0, r1): codes, row losses and the scaled errors (err,
    // [count][n]). wt is the band's W^T ([cols][n], as updated by the earlier blocks), w1 its
    // block's columns, updated here column by column.
    void quantizeBlock(std::int64_t i1, std::int64_t i2, std::int64_t r0, std::int64_t r1,
                       const float *wt, float *w1, float *err)
    {
        const std::int64_t count = i2 - i1, n = r1 - r0;
        const float *hinv = m_hinv.data_ptr<float>();
        for (std::int64_t i = 0; i < count; ++i) {
            const std::int64_t col = i1 + i;
            const std::int64_t group = col / m_gs;
            if (!m_options.staticGroups && col % m_gs == 0) {
                // As the reference: the grid comes from W with the updates of earlier blocks but
                // not those made earlier in this block.
                const std::int64_t len = std::min(m_gs, m_cols - col);
                for (std::int64_t r = 0; r < n; ++r)
                    m_dynGrid[(r0 + r) * m_numGroups + group] =
                        gridForValues(wt + col * n + r, len, n, m_cfg.bits, m_cfg.symmetric);
            }
            const std::int64_t origGroup = (m_perm.empty() ? col : m_perm[col]) / m_gs;
            const float *hrow = hinv + col * m_cols + i1; // Hinv[col, i1:i2]
            const float d = hrow[i];
            float *wcol = w1 + i * n;
            float *ecol = err + i * n;
            std::uint8_t *codes = m_codesT.data() + col * m_rows + r0;
            for (std::int64_t r = 0; r < n; ++r) {
                const GridParams &g = m_options.staticGroups
                                          ? m_staticGrid[(r0 + r) * m_numGroups + origGroup]
                                          : m_dynGrid[(r0 + r) * m_numGroups + group];
                const float x = wcol[r];
                const int code = quantizeToCode(x, g, m_maxq);
                const float e = x - codeToValue(code, g);
                codes[r] = std::uint8_t(code);
                m_rowLoss[r0 + r] += double(e) * double(e) / (double(d) * double(d));
                ecol[r] = e / d;
            }
            for (std::int64_t j = i + 1; j < count; ++j) {
                const float hij = hrow[j];
                float *wj = w1 + j * n;
                for (std::int64_t r = 0; r < n; ++r)
                    wj[r] -= ecol[r] * hij;
            }
        }
    }

    // Back to the original column order; grids and g_idx as the reference stores them.
    void writeTensor()
    {
        QuantizedTensor &q = m_result.tensor;
        q.rows = m_rows;
        q.cols = m_cols;
        q.bits = m_cfg.bits;
        q.groupSize = m_cfg.groupSize;
        q.symmetric = m_cfg.symmetric;
        q.numGroups = m_numGroups;
        q.codes.assign(std::size_t(m_rows * m_cols), 0);
        q.scales.assign(std::size_t(m_rows * m_numGroups), 1.0f);
        q.zeros.assign(std::size_t(m_rows * m_numGroups), 0);
        q.gIdx.assign(std::size_t(m_cols), 0);
        for (std::int64_t k = 0; k < m_cols; ++k) {
            const std::int64_t c = m_perm.empty() ? k : m_perm[k];
            q.gIdx[c] = std::int32_t(m_options.staticGroups ? c / m_gs : k / m_gs);
        }
        // The transpose of the codes, by bands of 64 rows over the pool (each band reads 64
        // consecutive bytes of every processed column).
        const std::int64_t band = 64;
        parallelFor(
            (m_rows + band - 1) / band,
            [&](std::int64_t b0, std::int64_t b1) {
                const std::int64_t r0 = b0 * band, r1 = std::min(m_rows, b1 * band);
                for (std::int64_t k = 0; k < m_cols; ++k) {
                    const std::int64_t c = m_perm.empty() ? k : m_perm[k];
                    const std::uint8_t *src = m_codesT.data() + k * m_rows;
                    for (std::int64_t r = r0; r < r1; ++r)
                        q.codes[r * m_cols + c] = src[r];
                }
            },
            std::max<std::int64_t>(1, (m_rows / band) / 16));
        const std::vector<GridParams> &grids = m_options.staticGroups ? m_staticGrid : m_dynGrid;
        for (std::size_t i = 0; i < grids.size(); ++i) {
            q.scales[i] = grids[i].scale;
            q.zeros[i] = std::uint8_t(grids[i].zero);
        }
        q.perm = std::move(m_perm);
        double loss = 0.0;
        for (double l : m_rowLoss)
            loss += l;
        m_result.loss = loss / 2.0;
        m_result.avgLoss = m_result.samples > 0 ? m_result.loss / double(m_result.samples) : 0.0;
    }

    const GptqOptions &m_options;
    const QuantConfig &m_cfg;
    const ProgressFn &m_progress;
    const GptqPreparedHessian &m_prepared;
    const std::int64_t m_rows, m_cols, m_gs, m_numGroups;
    const int m_maxq;
    GptqResult m_result;
    const torch::Tensor m_hinv; // shared with other modules of the same input: only read
    torch::Tensor m_w;
    std::vector<std::int32_t> m_perm;       // processing position -> original column
    std::vector<GridParams> m_staticGrid, m_dynGrid;
    std::vector<std::uint8_t> m_codesT;     // processing order, [col][row]
    std::vector<double> m_rowLoss;
};

} // namespace

GptqPreparedHessian gptqPrepareHessian(const torch::Tensor &hessian, const GptqOptions &options,
                                       const ProgressFn &progress)
{
    const auto start = std::chrono::steady_clock::now();
    checkOptions(options);
    if (hessian.dim() != 2 || hessian.size(0) != hessian.size(1) || hessian.size(0) <= 0)
        throw Error("GPTQ: the Hessian must be a non-empty square matrix");
    if (!parallelAllFinite(hessian))
        throw Error("GPTQ: the Hessian holds non-finite values (check the calibration inputs)");
    GptqPreparedHessian p;
    p.columns = hessian.size(0);
    // Only read unless inputs are dead or reordered (then a copy).
    torch::Tensor h = hessian.to(torch::kFloat32).contiguous();
    // Inputs that never fire: their diagonal is pinned (their weights are zeroed per module).
    p.dead = h.diagonal() == 0;
    p.deadColumns = p.dead.sum().item<std::int64_t>();
    if (p.deadColumns > 0) {
        h = parallelContiguousCopy(h);
        h.diagonal().masked_fill_(p.dead, 1.0);
    }
    if (options.actOrder) {
        // Columns by decreasing Hessian diagonal (stable, so that ties such as pinned dead
        // columns keep a deterministic order).
        p.order = std::get<1>(
            torch::sort(h.diagonal(), /*stable=*/true, /*dim=*/0, /*descending=*/true));
        h = h.index_select(0, p.order).index_select(1, p.order);
    }
    factorInverse(p, h, options, progress);
    p.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return p;
}

GptqResult gptqQuantize(const torch::Tensor &weight, const torch::Tensor &hessian,
                        std::int64_t samples, const GptqOptions &options,
                        const ProgressFn &progress)
{
    checkOptions(options);
    checkWeight(weight);
    checkHessianShape(hessian, weight.size(1));
    return gptqQuantize(weight, gptqPrepareHessian(hessian, options, progress), samples, options,
                        progress);
}

GptqResult gptqQuantize(const torch::Tensor &weight, const GptqPreparedHessian &prepared,
                        std::int64_t samples, const GptqOptions &options,
                        const ProgressFn &progress)
{
    checkOptions(options);
    checkWeight(weight);
    if (prepared.columns != weight.size(1) || !prepared.hinv.defined() ||
        prepared.order.defined() != options.actOrder)
        throw Error("GPTQ: the prepared Hessian does not fit this weight or these options");
    return GptqRun(weight, prepared, samples, options, progress).run();
}

} // namespace lieq
