#pragma once

#include "core/util/progress.h"
#include "ui/runrequest.h"

namespace lieq::ui {

// Executors for the run queue, over lieq_core. Each runs in a worker thread.

// FP16 (unquantized) perplexity of request.modelPath on request.evaluationData: windows of
// request.seqlen tokens, at most request.maxEvalWindows of them (core/eval, GPTQ protocol).
RunResult evaluateUnquantized(const RunRequest &request, const lieq::ProgressFn &progress);

} // namespace lieq::ui
