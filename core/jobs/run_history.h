#pragma once

#include "core/jobs/job_context.h"
#include "core/jobs/quantize_job.h"
#include "core/store/records.h"

#include <cstdint>
#include <string>
#include <vector>

// The experiment store's history for the front ends: listing, reopening and deleting runs.
// Reading goes through here too so that front ends need no store handle; deleting is a write
// and, like every write, happens in core/jobs.
namespace lieq::jobs {

// Newest first. A store file that does not exist yet lists as empty (listing creates nothing).
store::RunPage listRuns(const JobContext &context, const store::RunFilter &filter);

store::AnalysisRunDetail loadAnalysisRun(const JobContext &context, std::int64_t runId);

// A stored quantization run turned back into the request it was made with and what it
// produced, as a run of this session shows it: settings (PipelineSettings::fromJson), the
// plan, calibration, the evaluation settings and results (perplexity, task accuracies), sizes,
// and the model's stored unquantized baseline evaluated the same way.
struct StoredQuantRun
{
    store::QuantRunDetail detail;
    std::vector<store::EvalResult> evals;
    std::string modelDir;
    std::vector<int> layerBits;     // per layer as stored (-1: mixed within a layer)
    QuantizeRequest request;        // plan.kind = Given
    QuantizeResult result;          // pipeline modules are not stored: pipeline is empty
};

// Throws lieq::Error naming the store when the run does not exist.
StoredQuantRun loadQuantRun(const JobContext &context, std::int64_t quantRunId);

// Removes a run and its rows; false when there was none.
bool deleteRun(const JobContext &context, store::RunKind kind, std::int64_t runId);

} // namespace lieq::jobs
