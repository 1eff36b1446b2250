#pragma once

#include "core/analysis/diagnostics_result.h"
#include "core/analysis/diagnostics_settings.h"
#include "core/model/model_options.h"
#include "core/util/progress.h"

#include <cstdint>
#include <string>

namespace lieq::store {
struct AnalysisRunDetail;
}

// One analysis as the CLI and GUI run it: model folder + data file + settings in, stored run
// out. The model (fingerprint), the data file (SHA-256) and the canonical settings JSON
// identify a run; when a finished run with all three exists it is loaded instead of computed.
//
// Store contract: the run is created "running" before any work; every layer's rows of one
// stage (spectra, dPPL) are appended in one transaction *before* onLayer sees them; the run
// ends "done", "cancelled" (lieq::Cancelled is rethrown) or "failed" (the error is rethrown),
// so a cancelled run holds exactly the layers the callback was given.
//
// Stored rows. Layer metrics: dr, dE, compact, compact_random, dppl, ppl_skipped. Projection
// metrics (head NULL or the head index): compact, compact_random, dr, energy, energy_random,
// dE, rank, k. The run's timings JSON holds seconds per stage (baseline_s, spectral_s,
// dppl_s, total_s) and run facts (ppl_base, layer_evaluations, naive_layer_evaluations,
// head_evaluations, naive_head_evaluations, cached_layers, recomputed_layers, cached_bytes,
// dppl_cost_ratio, corpus_tokens).
namespace lieq::analysis {

struct AnalysisRequest
{
    std::string modelDir;
    CalibrationSpec calibration;
    DiagnosticsSettings settings;
    bool useStore = true;
    std::string storePath;        // "" -> ExperimentStore::defaultPath() ($LIEQ_STORE)
    bool reuse = true;            // false: always compute (a new run is stored)
    ModelOptions modelOptions;
};

struct AnalysisOutcome
{
    DiagnosticsResult result;
    std::int64_t runId = 0;       // 0 without a store
    bool reused = false;          // loaded from the store, nothing computed
    std::int64_t layerEvaluationsThisCall = 0; // 0 when reused
    std::string storePath;
};

AnalysisOutcome runAnalysis(const AnalysisRequest &request, const LayerResultFn &onLayer = {},
                            const ProgressFn &progress = {});

// A stored run turned back into a result (layers, projections, heads, timings, cost, pplBase;
// settings from its JSON). Calibration start positions are not stored (the seed recreates them).
DiagnosticsResult resultFromStoredRun(const store::AnalysisRunDetail &detail);

} // namespace lieq::analysis
