#pragma once

#include "core/jobs/quantize_job.h"
#include "core/util/progress.h"
#include "ui/runrequest.h"

namespace lieq::ui {

// Executors for the run queue: a RunRequest turned into a core/jobs request, run in a worker
// thread on request.device with request.threads, recorded in request.storePath (when set) the
// way `lieq eval` and `lieq quantize` record theirs, so History shows GUI and CLI runs alike.

// FP16 (unquantized) evaluation of request.modelPath: perplexity on request.evaluationData
// (windows of request.seqlen tokens, at most request.maxEvalWindows), then request.tasks.
RunResult evaluateUnquantized(const RunRequest &request, const lieq::ProgressFn &progress);

// Quantizes request.modelPath with request.plan (backend, group size, symmetry, act-order,
// calibration windows; progress per module, stage "quantize", detail "layer L module"), then
// evaluates the quantized model like evaluateUnquantized and compares it with the stored FP16
// baseline measured the same way. A cancelled run ends "cancelled" with no checkpoint folder and
// no evaluation rows.
RunResult quantizeAndEvaluate(const RunRequest &request, const lieq::ProgressFn &progress);

// What the Runs view shows of a finished quantization job, live or reopened from the store:
// bits, size, output folder, perplexity and tasks, the stored FP16 baseline, KL, store ids and
// time. The per-layer bits are the caller's (the plan it ran, or the stored one).
RunResult quantizeRunResult(const jobs::QuantizeResult &out);

} // namespace lieq::ui
