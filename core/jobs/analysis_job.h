#pragma once

#include "core/alloc/scores_file.h"
#include "core/analysis/diagnostics_correlation.h"
#include "core/analysis/diagnostics_result.h"
#include "core/analysis/diagnostics_settings.h"
#include "core/data/calibration.h"
#include "core/jobs/job_context.h"
#include "core/store/records.h"

#include <cstdint>
#include <string>
#include <vector>

// The LieQ layer diagnostics as a job: model folder + calibration text + settings in, a stored
// analysis run out. The model (fingerprint), the data file (SHA-256) and the canonical settings
// JSON identify a run; with `reuse`, a finished run with all three is loaded instead of computed.
//
// Store contract: the run is created "running" before any work; every layer's rows of one stage
// (spectra, dPPL) are appended in one transaction *before* onLayer sees them; the run ends
// "done", "cancelled" (lieq::Cancelled is rethrown) or "failed" (the error is rethrown), so a
// cancelled run holds exactly the layers the callback was given.
//
// Stored rows. Layer metrics: dr, dE, compact, compact_random, dppl, ppl_skipped. Projection
// metrics (head NULL or the head index): compact, compact_random, dr, energy, energy_random, dE,
// rank, k. The timings JSON holds seconds per stage (baseline_s, spectral_s, dppl_s, total_s) and
// run facts (ppl_base, layer/head evaluations, cached layers and bytes, dppl_cost_ratio,
// corpus_tokens).
namespace lieq::jobs {

struct AnalysisRequest
{
    std::string modelDir;
    CalibrationSpec calibration;            // samples/seqlen default to core/data's
    analysis::DiagnosticsSettings settings;
    bool reuse = true;                      // false: always compute (a new run is stored)
};

struct AnalysisResult
{
    analysis::DiagnosticsResult diagnostics;
    std::vector<analysis::MetricCorrelation> correlations; // dPPL against dr and dE
    std::int64_t runId = 0;                 // 0 without a store
    bool reused = false;                    // loaded from the store, nothing computed
    std::int64_t layerEvaluationsThisCall = 0; // 0 when reused
    std::string storePath;                  // "" without a store
};

// Called once per layer and stage as soon as that part is final, on the job's thread. Its rows
// are in the store before the call.
using LayerResultFn = analysis::LayerResultFn;

AnalysisResult runAnalysis(const AnalysisRequest &request, const JobContext &context,
                           const LayerResultFn &onLayer = {});

// A layer's rows for what `stage` completed, as the store holds them and views take them;
// values not computed (NaN) are left out, so a dPPL arrival never blanks earlier spectra.
struct LayerRows
{
    std::vector<store::LayerMetric> layer;
    std::vector<store::ProjectionMetric> projections;
};
LayerRows layerRows(analysis::DiagnosticsStage stage, const analysis::LayerDiagnostics &layer);

// The per-layer table of a result in the schema `lieq allocate --scores` reads back (see
// core/alloc/scores_file.h): layer, params, dppl, ppl_skipped, dr, dE, compact, compact_random,
// with the projection shapes and the weights outside the layers of modelDir.
alloc::LayerTable layerTable(const AnalysisResult &result, const std::string &modelDir);

// What the run cost, as JSON text: {"cost": {layer_evaluations, ..., dppl_cost_ratio},
// "timings": {baseline_s, spectral_s, dppl_s, total_s}} (NaN figures are null).
std::string analysisCostJson(const AnalysisResult &result);

// A finished stored analysis run, as runAnalysis returns it (reused = true). Calibration start
// positions are not stored (the seed recreates them). Throws lieq::Error naming the store when
// the run does not exist.
AnalysisResult loadAnalysis(const JobContext &context, std::int64_t runId);

} // namespace lieq::jobs
