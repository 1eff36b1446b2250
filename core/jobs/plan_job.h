#pragma once

#include "core/alloc/allocator.h"
#include "core/alloc/bit_plan.h"
#include "core/jobs/analysis_job.h"
#include "core/jobs/job_context.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// Where a bit plan comes from, as `lieq allocate`, `lieq quantize` and the GUI choose it:
// per-layer scores (a stored analysis run, a layer table written by `lieq analyze`, or a fresh
// or reused analysis on calibration text) turned into a plan under an average-bit budget, a
// plan file, or a uniform plan.
namespace lieq::jobs {

// "dr" (compactness, LieQ's ranking), "dE" (top-k energy) or "dppl" (the measured perplexity
// drop: the oracle the other two predict) for the accepted spellings (compact, energy, oracle,
// ...); throws lieq::Error naming the choices.
std::string canonicalScoreMetric(const std::string &name);

struct ScoreSource
{
    std::optional<std::int64_t> analysisRun; // a stored, finished analysis run
    std::string tableFile;                   // or a layer table file (CSV or JSON)
    // Else an analysis of the model on this request's calibration (modelDir is filled in),
    // reused from the store when an identical run exists.
    AnalysisRequest analysis;
    std::string metric = "dr";               // which score ranks the layers
    bool invert = false;                     // protect the lowest-scored layers (ablation)
};

// Per-layer scores and sizes, the allocator's input.
struct ScoredLayers
{
    std::vector<alloc::LayerSpec> layers;    // scores, parameter counts, projection shapes
    std::int64_t otherParams = 0;            // weights outside decoder linears (fp16 in sizes)
    std::string metric;                      // canonical
    std::string source;                      // "analysis run 3 (dr)", "FILE (dE)", ...
    std::optional<std::int64_t> analysisRunId;
    bool analysisReused = false;
};

// Scores for `modelDir` (may be "" with a stored run: its model folder is used; a table with
// parameter counts needs no model). Throws lieq::Error when a score is missing or not finite
// for a layer, or the layer count does not match the model.
ScoredLayers scoreLayers(const ScoreSource &source, const std::string &modelDir,
                         const JobContext &context);

struct PlanRequest
{
    enum class Kind { Budget, File, Uniform, Given };
    Kind kind = Kind::Budget;
    // Budget: the paper's rule, bits {2, 4}, round(f L) top-scored layers at 4 bits.
    double budget = 2.0;
    ScoreSource scores;
    std::string file;      // File: a plan JSON (`lieq allocate --out`)
    int uniformBits = 4;   // Uniform: every layer at 2, 3, 4, 8 or 16 bits
    alloc::BitPlan plan;   // Given: made by the caller (the GUI's budget panel)
    // Budget without scores: a rule decides (plan_rules.h: llama-cpp, first, last, random with
    // ruleSeed, measured with measureRun). "" = the scores' paper rule.
    std::string rule;
    std::uint64_t ruleSeed = 1;
    std::optional<std::int64_t> measureRun;
    std::optional<std::int64_t> sourceRunId; // Given: the analysis run whose scores chose it
};

struct PlanResult
{
    alloc::BitPlan plan;
    std::string name;                        // for the store and reports
    std::optional<ScoredLayers> scores;      // Budget only
    std::optional<std::int64_t> sourceRunId; // the analysis run whose scores chose the bits
};

PlanResult choosePlan(const PlanRequest &request, const std::string &modelDir,
                      const JobContext &context);

// The allocator's view of a model folder's decoder layers (shapes from config.json), with one
// score per layer (empty: all 0) and the parameters outside decoder linears.
ScoredLayers modelLayers(const std::string &modelDir, const std::vector<double> &scores = {});

} // namespace lieq::jobs
