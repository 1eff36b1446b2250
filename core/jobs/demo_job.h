#pragma once

#include "core/alloc/bit_plan.h"
#include "core/jobs/demo_comparison.h"
#include "core/jobs/job_context.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// The whole LieQ pipeline on one (small) model, as `lieq demo` runs it: FP baseline perplexity
// -> layer diagnostics -> allocation at the paper's setting (one 4-bit layer, 2 + 2/L bits) ->
// GPTQ at that plan and at uniform 2 bits, both evaluated on the same windows -> plan, metrics
// (JSON, CSV) and an F16 GGUF of the model in the output folder; then, unless switched off,
// is the plan right for this model: every predictor's, the measured-gain and the baseline
// rules' plans at the same budget, quantized and judged on held-out text (demo_comparison.h).
namespace lieq::jobs {

struct DemoRequest
{
    std::string modelDir;            // "" -> findDemoModelDir()
    std::string data;                // "" -> the model's validation.txt, else WikiText-2 test
    std::string outDir = "lieq-demo";
    std::int64_t seqlen = 256;       // analysis, calibration and evaluation windows
    std::int64_t samples = 32;       // calibration windows
    std::int64_t evalWindows = 40;
    bool comparePlans = true;
    std::int64_t probeWindows = 8;   // measure pass of the comparison
    std::vector<std::uint64_t> randomSeeds{1, 2, 3};
};

struct DemoLayer
{
    int layer = 0;
    double dppl = 0, dr = 0, dE = 0; // NaN when not computed
    int bits = 16;                   // the LieQ plan's bits
};

struct DemoResult
{
    std::string modelDir;
    std::string data;
    std::int64_t seqlen = 0;
    std::int64_t numLayers = 0;
    std::int64_t evalWindows = 0;
    std::int64_t analysisRunId = 0;
    std::string storePath;
    double budgetBits = 0;
    double pplFp = 0, pplLieq = 0, pplUniform2 = 0;
    double nominalBitsLieq = 0, nominalBitsUniform2 = 0;
    std::vector<DemoLayer> layers;
    // Files written into the output folder.
    std::string planPath, metricsJsonPath, metricsCsvPath, ggufPath, quantizedCheckpoint;
    std::string summaryJson;         // what metrics.json holds
    std::optional<PlanComparison> comparison;
};

DemoResult runDemo(const DemoRequest &request, const JobContext &context);

// The demo model: the embedded one (resources/demo-model), else ../shared's stories260K beside
// the source tree; throws lieq::Error listing where it looked.
std::string findDemoModelDir();
// The demo text for a model: its validation.txt, else WikiText-2 test from ../shared.
std::string findDemoData(const std::string &modelDir);

} // namespace lieq::jobs
