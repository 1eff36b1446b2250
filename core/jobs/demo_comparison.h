#pragma once

#include "core/eval/kl_statistics.h"
#include "core/jobs/analysis_job.h"
#include "core/jobs/job_context.h"
#include "core/jobs/measure_job.h"

#include <cstdint>
#include <string>
#include <vector>

// The end of `lieq demo`: is the plan right for this model? At one budget, the plans of every
// predictor (dPPL, dr, dE, the measured sensitivity), of the measured gains (knapsack), of the
// baseline rules (llama.cpp, first/last layers, seeded random) and uniform low bits are each
// quantized (GPTQ) and evaluated against the FP16 model on the same held-out windows (KL
// statistics and perplexity). Identical plans are quantized once. The verdict names the
// predictor(s) whose plan does the least damage.
namespace lieq::jobs {

struct PlanComparisonRequest
{
    std::string modelDir;
    std::string data;                   // the text, split in two (see comparePlans)
    std::string workDir;                // where the two halves are written
    std::int64_t seqlen = 256;
    std::int64_t samples = 32;          // calibration windows (backend and measure pass)
    std::int64_t evalWindows = 40;      // evaluation windows (KL, perplexity)
    std::int64_t probeWindows = 8;      // measure pass
    double budget = 0;                  // 0: 2 + 2/L
    std::vector<std::uint64_t> randomSeeds{1, 2, 3};
};

struct ComparedPlan
{
    std::string name;                   // "dr", "dE", "dppl", "sensitivity", "measured",
                                        // "llama-cpp", "first", "last", "random-S", "uniform-2"
    std::vector<int> raised;            // layers at the high bit-width
    double bits = 0;                    // nominal
    double ppl = 0;
    KlStatistics kl;
    std::string sameAs;                 // quantized once: the first plan with these bits
    std::int64_t quantRunId = 0;
};

struct PlanComparison
{
    double budget = 0;
    std::string evalData;               // the held-out text
    MeasureJobResult measure;
    sensitivity::PredictorReport predictors; // shares against the measured gains
    std::vector<ComparedPlan> plans;
    std::vector<std::string> rewarded;  // predictor(s) with the lowest measured KL
    std::string verdict;                // one sentence
};

// `analysis`: the model's diagnostics (dPPL, dr, dE). The text is split at the blank line (else
// the line break, else the space) after its middle, as docs/results.md does with WikiText-2: the first half
// is held out for evaluation, the second calibrates the backend and the measure pass, so no
// plan is judged on text it was calibrated on. Runs are stored when the context has a store.
PlanComparison comparePlans(const PlanComparisonRequest &request, const AnalysisResult &analysis,
                            const JobContext &context);

// Plain-text table and verdict (the CLI's output).
std::string formatPlanComparison(const PlanComparison &comparison);

} // namespace lieq::jobs
