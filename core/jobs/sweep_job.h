#pragma once

#include "core/jobs/job_context.h"
#include "core/store/sweep_records.h"
#include "core/sweep/cell_status.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lieq::sweep {
class SweepFolder;
struct SweepReport;
} // namespace lieq::sweep

// Sweeps as jobs (the grid, folder, executors and status are core/sweep's): one cell run in this
// process, which is what each local worker and each Slurm array task does, and the collection
// of a sweep into the user's experiment store.
namespace lieq::jobs {

// Runs cell `index` of the sweep in `sweepDir`: its plan (uniform, ranked by an analysis score
// under the cell's budget and bit set, or a baseline rule), the quantization with the cell's
// backend and calibration seed, and the sweep's evaluation (perplexity, KL against the FP16
// model, zero-shot tasks), all recorded in the cell's own store (never the context's store:
// concurrent writers must not share an SQLite file on a cluster's file system).
//
// The outcome is the cell's status file, written before returning: "done" after result.json,
// or "failed" with the error (a bad model path, a cancel through the context's progress, ...).
// Only a sweep folder that cannot be read throws.
sweep::CellStatus runSweepCell(const std::string &sweepDir, int index, const JobContext &context);

struct CollectReport
{
    std::int64_t sweepId = 0;          // in the destination store
    int cellsMerged = 0;               // finished cells whose store was merged
    int cellsWaiting = 0;              // pending, queued or running: collect again later
    std::int64_t rowsAdded = 0;        // by this call (0 when collected before)
    std::vector<std::string> problems; // cells whose store could not be merged, with the reason
};

// Merges each finished cell's store into the context's store (idempotently: collecting twice
// adds nothing) and records the sweep with every cell's state and quantization run, so History
// groups the runs by sweep.
CollectReport collectSweep(const sweep::SweepFolder &folder, const sweep::SweepReport &status,
                           const JobContext &context);

// Reading collected sweeps back, for History (runs grouped by sweep) and the bits chart. A
// store file that does not exist yet lists as empty.
std::vector<store::SweepRecord> listSweeps(const JobContext &context);
// Quantization run id -> the sweep and cell it belongs to.
std::map<std::int64_t, store::SweepMembership> sweepMemberships(const JobContext &context);

// A page of History with each quantization run's sweep: with `sweepId` only the runs of that
// sweep's cells (the filter's kind is then Quant; its limit and offset apply to those runs),
// without it the filter's page as jobs::listRuns gives it. memberships covers the page's runs.
struct SweepRunPage
{
    store::RunPage page;
    std::map<std::int64_t, store::SweepMembership> memberships;
};
SweepRunPage listRunsInSweep(const JobContext &context, store::RunFilter filter,
                             std::optional<std::int64_t> sweepId = std::nullopt);

// One cell of a collected sweep as the bits chart plots it.
struct SweepPoint
{
    int cell = 0;
    std::string label;
    std::string plan;                      // the plan rule ("dr", "uniform-2", ...)
    std::string backend;
    std::string status;                    // done, failed, ...
    std::string error;                     // why it failed
    std::optional<std::int64_t> quantRunId;
    double nominalBits = store::kNoValue;  // parameter-weighted bits of the plan
    double ppl = store::kNoValue;
    double kl = store::kNoValue;           // mean KL from the FP16 model
};

struct SweepView
{
    store::SweepRecord sweep;
    std::vector<SweepPoint> points;        // every cell, in cell order
};

// Throws lieq::Error naming the store when there is no such sweep.
SweepView loadSweep(const JobContext &context, std::int64_t sweepId);

} // namespace lieq::jobs
