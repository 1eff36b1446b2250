#pragma once

#include "core/sweep/sweep_cell.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

// What a sweep will cost before it runs: floating-point work per cell from the model's shape
// (config.json), the calibration and evaluation sizes and the backend, turned into seconds by a
// throughput. The default throughput was measured on the project's 2-core machine (see
// docs/sweeps.md); once cells of the sweep have finished, their measured seconds calibrate it.
namespace lieq::sweep {

struct ModelShape
{
    std::int64_t layers = 0;
    std::int64_t hidden = 0;
    std::int64_t intermediate = 0;
    std::int64_t vocab = 0;
    std::int64_t linearParams = 0;   // decoder linears, all layers
    std::int64_t bytes = 0;          // weight files on disk
};

// From MODEL_DIR/config.json and the safetensors sizes; nullopt when the folder has no
// readable config (the cell will fail; the estimate says "unknown").
std::optional<ModelShape> readModelShape(const std::string &modelDir);

struct CellCost
{
    double analysisGflop = 0;
    double quantGflop = 0;
    double evalGflop = 0;
    double processSeconds = 0;       // starting the worker (outside the cell's own wall time)
    double loadSeconds = 0;          // model loads (inside it)
    double seconds = 0;              // all of it, at the throughput used
    bool known = false;              // false: the model shape could not be read
    double gflop() const { return analysisGflop + quantGflop + evalGflop; }
};

struct CostModel
{
    // Effective GFLOP/s of one single-threaded worker and the start of one worker process,
    // fitted to measured cells of the demo model on the project's shared 2-core machine at
    // load 5 (22 and 44 GFLOP/s for two grids; 1.7 s start per cell): docs/sweeps.md.
    double gflopPerSecond = 30.0;
    double secondsPerCell = 1.7;         // process start (lieq, libtorch), tokenizer, store
    double loadBytesPerSecond = 500e6;   // reading and converting weights
    // Tokens of the evaluation text when max_windows is -1 (bytes / 4 when the file exists).
    std::map<std::string, std::int64_t> textTokens;
};

CellCost estimateCell(const SweepCell &cell, const SweepSpec &spec, const ModelShape &shape,
                      const CostModel &model);

struct SweepCost
{
    std::vector<CellCost> cells;     // by cell index
    double totalSeconds = 0;         // cells with a known cost
    int unknownCells = 0;
};

// Reads each model's shape once and the evaluation text's size, then estimates every cell.
SweepCost estimateSweep(const std::vector<SweepCell> &cells, const SweepSpec &spec,
                        const CostModel &model = {});

// Fits gflop/s to finished cells: their own wall times (status.json; without the process
// start) against loadSeconds + gflop / throughput, least squares. `fitted` says whether any
// cell could be used; the model is unchanged otherwise.
CostModel calibrated(CostModel model, const std::vector<CellCost> &estimates,
                     const std::vector<double> &measuredSeconds, bool *fitted = nullptr);

} // namespace lieq::sweep
