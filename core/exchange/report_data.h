#pragma once

#include "core/analysis/statistics.h"
#include "core/exchange/run_ref.h"
#include "core/store/records.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace lieq::store {
class ExperimentStore;
}

// What a report shows, read from the experiment store: the models and data, each analysis run's
// three diagnostic curves with the dPPL-vs-dr correlation statistics, each quantization run's
// bit plan and evaluation rows, and the FP16 baselines. Renderers (ui/report: HTML, PDF) only
// lay this out; they compute nothing of their own.
namespace lieq::exchange {

struct ReportCorrelation
{
    analysis::CorrelationMethod method = analysis::CorrelationMethod::Spearman;
    analysis::Correlation value;
    analysis::ConfidenceInterval ci; // percentile bootstrap; ci.resamples == 0 when not computed
};

struct ReportAnalysis
{
    store::AnalysisRunDetail detail;
    std::vector<int> layers;                     // layer numbers with at least one metric
    std::vector<double> dppl, dr, dE;            // one per entry of `layers`; NaN when absent
    std::vector<ReportCorrelation> correlations; // dPPL vs dr over layers where both exist
    std::string correlationNote;                 // why `correlations` is empty, if it is
};

struct ReportQuantRun
{
    store::QuantRunDetail detail;
    std::vector<int> layerBits;             // per layer; -1 where its projections differ
    std::vector<std::string> layerBitsText; // per layer: "4", or "qkv 4, o 2, gate_up 2, down 4"
    std::vector<store::EvalResult> evals;   // oldest first
    std::vector<store::KlStatsRecord> kl;   // KL statistics against the FP16 model, newest first
};

struct ReportData
{
    std::string title;
    std::int64_t generatedAtMs = 0;
    std::vector<std::pair<std::string, std::string>> versions; // component -> version
    std::string storePath;
    int storeSchemaVersion = 0;
    std::vector<store::ModelRecord> models;
    std::vector<store::DatasetRecord> datasets;
    std::vector<ReportAnalysis> analyses;
    std::vector<ReportQuantRun> quantRuns;
    std::vector<store::EvalResult> baselines; // FP16 rows of the models above, oldest first

    const store::ModelRecord *model(std::int64_t id) const;
    const store::DatasetRecord *dataset(std::int64_t id) const;
};

struct ReportOptions
{
    std::string title;                 // empty: "LieQ report: <model names>"
    bool withSourceAnalyses = true;    // add the analysis run each quant run's plan came from
    int bootstrapResamples = 2000;     // 0: no confidence intervals
    std::uint64_t seed = 20250806;
    std::vector<std::pair<std::string, std::string>> versions; // the caller's components
};

// Reads the runs (and what they reference) from the store. Throws lieq::Error naming the
// store when a run does not exist; progress is not needed (all reads are small).
ReportData collectReport(store::ExperimentStore &store, const std::vector<RunRef> &runs,
                         const ReportOptions &options = {});

} // namespace lieq::exchange
