#pragma once

#include "core/alloc/allocator.h"
#include "core/analysis/diagnostics_result.h"
#include "core/data/calibration.h"
#include "core/jobs/job_context.h"
#include "core/sensitivity/measure_pass.h"
#include "core/sensitivity/predictor_scores.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// The measure pass (core/sensitivity) as a job: model folder + calibration text + backend in,
// per-layer measured sensitivity and gains out, stored as an analysis run whose settings say
// "kind": "measure". The model (fingerprint), the data file (SHA-256) and the canonical settings
// JSON identify a run; with `reuse`, a finished identical run is loaded instead of computed.
//
// Probe windows (where the KL is measured): `probeWindows` windows drawn from the same text
// with seed calibration.seed + 1, so they are not the windows the backend calibrates on.
//
// Stored rows. Layer metrics: kl_low, top1_low, kl_raised, top1_raised, kl_gain. Timings JSON:
// total_s, forward_s, forward_multiple, kl_all_low, top1_all_low, the cost counters and the
// memory kept. The store contract is the analysis job's: running -> done/cancelled/failed, each
// layer's rows stored before onLayer sees them.
namespace lieq::jobs {

struct MeasureRequest
{
    std::string modelDir;
    CalibrationSpec calibration;            // backend statistics (GPTQ Hessians, AWQ scales)
    std::int64_t probeWindows = 8;
    std::int64_t probeSeqlen = 0;           // 0: the calibration seqlen
    sensitivity::MeasureSettings settings;
    bool reuse = true;
};

struct MeasureJobResult
{
    sensitivity::MeasureResult measure;
    std::string modelDir;
    std::int64_t runId = 0;                 // 0 without a store
    bool reused = false;
    std::string storePath;
};

MeasureJobResult runMeasure(const MeasureRequest &request, const JobContext &context,
                            const sensitivity::MeasureLayerFn &onLayer = {});

// A finished stored measure run. Throws lieq::Error naming the store when the run does not exist
// or is not a measure run.
MeasureJobResult loadMeasure(const JobContext &context, std::int64_t runId);

// Whether stored analysis settings JSON describes a measure run.
bool isMeasureSettings(const std::string &settingsJson);

// The newest finished measure run of the model in `modelDir` (by fingerprint), if any.
std::optional<std::int64_t> latestMeasureRun(const JobContext &context, const std::string &modelDir);

// Canonical settings JSON of a request (what identifies a run for reuse).
std::string measureSettingsJson(const MeasureRequest &request);

// The predictors compared against the measured gains, as named per-layer score series (higher =
// protect first): "dppl", "dr", "dE" from `diagnostics` (those it has), "sensitivity" (the
// measured KL of each layer alone at the low bits), then the baseline orders "llama-cpp",
// "first", "last" and "random-S" for each seed. `layers`: the model's layer specs (jobs::modelLayers).
std::vector<std::pair<std::string, std::vector<double>>>
predictorSeries(const sensitivity::MeasureResult &measure,
                const analysis::DiagnosticsResult *diagnostics,
                const std::vector<alloc::LayerSpec> &layers,
                const std::vector<std::uint64_t> &randomSeeds);

// Each predictor's plan at `budget` (bits {low, high} of the measure run, the paper rule),
// scored against the measured gains. Throws lieq::Error when the run has no gains.
sensitivity::PredictorReport predictorReport(const sensitivity::MeasureResult &measure,
                                             const analysis::DiagnosticsResult *diagnostics,
                                             const std::string &modelDir, double budget,
                                             const std::vector<std::uint64_t> &randomSeeds);

} // namespace lieq::jobs
