#pragma once

#include "core/eval/kl_statistics.h"
#include "core/jobs/job_context.h"
#include "core/tasks/eval_report.h"
#include "core/tasks/zero_shot.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// Evaluation as a job: perplexity (the GPTQ protocol) and zero-shot tasks (lm-eval-harness
// prompts and metrics) of a model folder, a quantized checkpoint folder, or a stored
// quantization run's folder; optionally compared with a baseline ("% of FP16 recovered").
// The quantize job runs the same evaluation on the model it just quantized.
//
// Store rows (when the context has a store): one per task and metric (acc; acc_norm where the
// harness defines it) and one "ppl" row per perplexity data set, attached to the quant run
// that wrote a quantized folder (a quantized folder no stored run wrote cannot be recorded:
// lieq::Error). All rows of one evaluation are written at once after the last cancel point, so
// a cancelled evaluation leaves none.
namespace lieq::jobs {

inline constexpr std::int64_t kDefaultEvalSeqlen = 2048; // perplexity windows (GPTQ protocol)
inline constexpr const char *kDefaultTasks = "piqa,arc_e,arc_c,hellaswag,winogrande,boolq";

// Where task data is looked up without a choice: $LIEQ_DATA_DIR, else ../shared/data (the
// layout README.md "Task data" describes).
std::string defaultTaskDataDir();

// Which zero-shot tasks a data folder can serve: every task with the files it needs and the
// ones missing (empty: the task can run).
struct TaskDataStatus
{
    std::string task;                 // canonical name
    std::vector<std::string> missing; // needed files not found
};
std::vector<TaskDataStatus> taskDataStatus(const std::string &dataDir);

// What to measure on a model.
struct EvaluationSpec
{
    std::string pplData;                 // text or JSONL file ("" -> no perplexity)
    std::string pplField;                // JSONL field ("" -> "text")
    std::int64_t seqlen = kDefaultEvalSeqlen;
    std::int64_t maxWindows = -1;        // < 0: all whole windows
    std::vector<std::string> tasks;      // canonical names or aliases (arc_e, wg, ...)
    std::string taskDataDir;             // the ../shared/data layout (see README: task data)
    ZeroShotOptions zeroShot;            // limit, seeded sample, scorer batching, BOS
    // Per-item log (lm-eval's --log_samples): one JSON line per scored item with the prompt,
    // each choice's log-likelihood and length, the choice taken and the gold answer.
    std::string logSamplesPath;
    // KL statistics against an FP16 reference on the perplexity windows (llama.cpp's
    // --kl-divergence figures; core/eval/kl_statistics.h): "" none, "base" the model the
    // evaluated one was quantized from (a plain model folder: itself), else a model folder.
    // Needs pplData. One pass: per window both models run (no logits file); the reference is
    // loaded beside the model, so memory holds both.
    std::string klReference;

    bool empty() const { return pplData.empty() && tasks.empty(); }
};

struct EvaluateRequest
{
    std::string target;      // model folder, quantized checkpoint folder, or quant run id
    EvaluationSpec spec;
    // "" none; a JSON file from `lieq eval --json`; with a store, "base"/"fp16" (the model's
    // stored unquantized results) or a quant run id.
    std::string baseline;
    // Also look up the newest stored unquantized results of the same model evaluated the same
    // way (data set, seqlen, window cap, task limit): EvaluateResult::storedBaseline.
    bool matchStoredBaseline = false;
};

struct EvaluateResult
{
    EvalReport report;                       // perplexity figures and task results
    std::string modelDir;                    // the folder evaluated
    bool quantized = false;
    std::optional<EvalBaseline> baseline;    // the requested one
    std::optional<EvalBaseline> storedBaseline;
    std::int64_t modelId = 0;                // store ids, 0 / nullopt when not stored
    std::optional<std::int64_t> quantRunId;
    std::int64_t parameterCount = 0;         // all weights of an unquantized model folder
    std::optional<KlStatistics> kl;          // with spec.klReference
    std::string klReferenceDir;              // the folder it was measured against
    double seconds = 0;
};

// Throws lieq::Error for a bad target, task name or data file before any compute (task data is
// loaded first), lieq::Cancelled when the context's progress says stop.
EvaluateResult runEvaluate(const EvaluateRequest &request, const JobContext &context);

// The request's task data loaded (a bad file fails before minutes of compute).
std::vector<TaskData> loadTasks(const EvaluationSpec &spec);

} // namespace lieq::jobs
