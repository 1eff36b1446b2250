#include "core/quant/rtn.h"

#include "core/quant/quant_grid.h"
#include "core/util/error.h"
#include "kernels/parallel.h"

#include <algorithm>
#include <string>

namespace lieq {

namespace {

void checkWeight(MatrixView w, const char *what)
{
    if (!w.data || w.rows <= 0 || w.cols <= 0)
        throw Error(std::string(what) + ": empty weight matrix");
}

struct RtnRows; // the timing sites of RTN's row splits

// Rows are independent; split them over the engine's threads in chunks of at least 256K
// weights (smaller matrices are not worth waking a thread for). The split is timed against one
// thread per matrix shape class and kept only where it pays: with one core busy elsewhere an
// always-split RTN pass was 0.94x of one thread (bench_threads, load 2.2).
template<typename Fn>
void forEachRow(std::int64_t rows, std::int64_t cols, Fn fn)
{
    const std::int64_t grain = std::max<std::int64_t>(1, (1 << 18) / std::max<std::int64_t>(cols, 1));
    kernels::parallelForTimed(kernels::sizeTimingSite<RtnRows>(rows, cols), 0, rows,
                              [&](std::int64_t r0, std::int64_t r1) {
        for (std::int64_t r = r0; r < r1; ++r)
            fn(r);
    }, grain);
}

} // namespace

QuantizedTensor quantizeRtn(MatrixView weight, const QuantConfig &config)
{
    validateQuantConfig(config);
    checkWeight(weight, "RTN");
    QuantizedTensor q = allocateQuantizedTensor(weight.rows, weight.cols, config);
    const std::int64_t gs = config.effectiveGroupSize(weight.cols);
    for (std::int64_t c = 0; c < q.cols; ++c)
        q.gIdx[c] = std::int32_t(c / gs);
    const int maxq = config.maxq();
    forEachRow(q.rows, q.cols, [&](std::int64_t r) {
        const float *row = weight.data + r * weight.cols;
        // Local pointers and a local grid: stores to uint8 codes may alias anything, and
        // re-reading members after each one would keep the loop from vectorising.
        std::uint8_t *codes = q.codes.data() + r * q.cols;
        for (std::int64_t g = 0; g < q.numGroups; ++g) {
            const std::int64_t c0 = g * gs;
            const std::int64_t c1 = std::min(c0 + gs, q.cols);
            const GridParams grid =
                gridForValues(row + c0, c1 - c0, 1, config.bits, config.symmetric);
            q.scales[r * q.numGroups + g] = grid.scale;
            q.zeros[r * q.numGroups + g] = std::uint8_t(grid.zero);
            quantizeRowToCodes(row + c0, c1 - c0, grid, maxq, codes + c0);
        }
    });
    return q;
}

QuantizedTensor quantizeWithGrid(MatrixView weight, const QuantizedTensor &grid)
{
    checkWeight(weight, "quantizeWithGrid");
    if (weight.rows != grid.rows || weight.cols != grid.cols)
        throw Error("quantizeWithGrid: weight is " + std::to_string(weight.rows) + "x" +
                    std::to_string(weight.cols) + " but the grid is " +
                    std::to_string(grid.rows) + "x" + std::to_string(grid.cols));
    validateQuantizedTensor(grid);
    QuantizedTensor q = grid;
    const int maxq = q.maxq();
    forEachRow(q.rows, q.cols, [&](std::int64_t r) {
        const float *row = weight.data + r * weight.cols;
        for (std::int64_t c = 0; c < q.cols; ++c) {
            const std::int64_t g = q.gIdx[c];
            const GridParams p{q.scale(r, g), q.zero(r, g)};
            q.codes[r * q.cols + c] = std::uint8_t(quantizeToCode(row[c], p, maxq));
        }
    });
    return q;
}

void fakeQuantizeInPlace(MatrixSpan weight, const QuantConfig &config)
{
    validateQuantConfig(config);
    checkWeight(weight, "fake quantization");
    const std::int64_t gs = config.effectiveGroupSize(weight.cols);
    const int maxq = config.maxq();
    forEachRow(weight.rows, weight.cols, [&](std::int64_t r) {
        float *row = weight.data + r * weight.cols;
        for (std::int64_t c0 = 0; c0 < weight.cols; c0 += gs) {
            const std::int64_t c1 = std::min(c0 + gs, weight.cols);
            const GridParams grid =
                gridForValues(row + c0, c1 - c0, 1, config.bits, config.symmetric);
            for (std::int64_t c = c0; c < c1; ++c)
                row[c] = codeToValue(quantizeToCode(row[c], grid, maxq), grid);
        }
    });
}

} // namespace lieq
