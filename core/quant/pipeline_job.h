#pragma once

#include "core/alloc/bit_plan.h"
#include "core/analysis/diagnostics_settings.h"
#include "core/eval/perplexity.h"
#include "core/model/model_options.h"
#include "core/quant/pipeline.h"
#include "core/quant/pipeline_checkpoint.h"
#include "core/util/progress.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

// One quantization as the CLI and GUI run it: model folder + plan + calibration text + settings
// in; quantized model (in memory, and optionally saved) and a stored quant run out.
//
// Store contract: the plan is stored, then the quant run is created "running" before any work;
// each layer's seven module losses are appended once the layer is done; the run ends "done"
// (with the output folder and its size), "cancelled" (lieq::Cancelled is rethrown; no output
// folder is written) or "failed" (the error is rethrown). Perplexity asked for with the run is
// stored as an eval result attached to it.
namespace lieq {

class Model;

struct QuantizeRequest
{
    std::string modelDir;
    alloc::BitPlan plan;
    std::string planName;                      // for the store ("" -> method + budget)
    std::optional<std::int64_t> planSourceRunId; // analysis run whose scores chose the bits
    analysis::CalibrationSpec calibration;     // samples x seqlen windows, seeded
    PipelineSettings settings;
    std::string outDir;                        // "" -> not saved
    bool useStore = true;
    std::string storePath;                     // "" -> ExperimentStore::defaultPath()
    ModelOptions modelOptions;
    // Perplexity of the quantized model right after quantizing (empty path: none).
    std::string evalPplPath;
    std::string evalField;
    std::int64_t evalSeqlen = 0;               // 0 -> calibration seqlen
    std::int64_t evalMaxWindows = -1;
};

struct QuantizeOutcome
{
    std::unique_ptr<Model> model;               // quantized in place, ready for evaluation
    PipelineResult result;
    std::optional<SavedCheckpoint> saved;
    std::optional<PerplexityResult> ppl;
    std::int64_t runId = 0;                     // 0 without a store
    std::int64_t planId = 0;
    std::int64_t modelId = 0;
    std::string storePath;
    double calibrationSeconds = 0;              // tokenizing + sampling
    double totalSeconds = 0;
};

QuantizeOutcome runQuantization(const QuantizeRequest &request, const ProgressFn &progress = {});

// The paper's allocation for per-layer scores (higher = keep 4 bits): budget in [2, 4],
// bits {2, 4}, equal-size layers -> round(f L) layers at 4 bits. protectLowest: the same
// number of layers, but the lowest-scored ones (the ablation).
alloc::BitPlan paperPlan(const ModelConfig &config, const std::vector<double> &scores,
                         double budget, bool protectLowest = false);

} // namespace lieq
