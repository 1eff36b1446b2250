#pragma once

#include "core/data/calibration.h"
#include "core/jobs/evaluate_job.h"
#include "core/jobs/job_context.h"
#include "core/jobs/plan_job.h"
#include "core/quant/pipeline.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>

// Quantization as a job: model folder + plan choice + calibration text + pipeline settings in;
// a quantized model (optionally saved as a checkpoint folder), its evaluation and a stored
// quant run out.
//
// Store contract: the plan is stored, then the quant run is created "running" before any work;
// each layer's seven module losses are appended once the layer is done; the run ends "done"
// (with the output folder and its size), "cancelled" (lieq::Cancelled is rethrown; no output
// folder is written) or "failed" (the error is rethrown). The evaluation's rows are attached to
// the run.
namespace lieq::jobs {

struct QuantizeRequest
{
    std::string modelDir;
    PlanRequest plan;
    std::string planName;           // "" -> the plan choice's name
    CalibrationSpec calibration;    // samples/seqlen default to core/data's
    PipelineSettings settings;
    std::string outDir;             // save the quantized checkpoint folder here ("" -> not saved)
    EvaluationSpec evaluation;      // measured on the quantized model right after (may be empty)
    // With an evaluation and a store: also look up the model's stored unquantized results
    // evaluated the same way (QuantizeResult::evaluation.storedBaseline).
    bool matchStoredBaseline = false;
};

struct QuantizeResult
{
    PlanResult plan;
    PipelineResult pipeline;
    std::string outputDir;          // the saved folder ("" when not saved)
    std::int64_t outputBytes = 0;
    EvaluateResult evaluation;      // report empty when nothing was asked
    // Average bits with scales and zeros (GPTQ layout) and the checkpoint size: the saved
    // folder's bytes, else the GPTQ-layout estimate (sizeEstimated).
    double effectiveBits = 0;
    std::int64_t sizeBytes = 0;
    bool sizeEstimated = false;
    std::int64_t runId = 0;         // 0 without a store
    std::int64_t planId = 0;
    std::int64_t modelId = 0;
    std::string storePath;
    double calibrationSeconds = 0;  // tokenizing + sampling
    double totalSeconds = 0;
};

QuantizeResult runQuantize(const QuantizeRequest &request, const JobContext &context);

// The pipeline's times and layer forwards as a stored run's timings and `lieq quantize --json`
// report them: capture_s, quantize_s, forward_s, pipeline_s, layer_forwards.
nlohmann::json pipelineTimingsJson(const PipelineResult &r);

} // namespace lieq::jobs
