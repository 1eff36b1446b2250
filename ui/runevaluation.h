#pragma once

#include "core/tasks/task_data.h"
#include "core/util/progress.h"
#include "ui/runrequest.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace lieq {
class Model;
class Tokenizer;
namespace store {
class ExperimentStore;
struct EvalResult;
}
} // namespace lieq

// The evaluation half every run shares (FP16 baseline and quantized model alike), in worker
// threads: zero-shot tasks, their rows in the experiment store, and the stored FP16 baseline
// a result is compared with. Rows use the settings JSON `lieq eval` / `lieq quantize` write, so
// CLI and GUI results are interchangeable.
namespace lieq::ui {

// The request's tasks loaded up front, so that a bad data file fails before minutes of compute.
std::vector<lieq::TaskData> loadRunTasks(const RunRequest &request);

// Scores every task on `model` (limit request.taskLimit) and fills result's accuracies. With a
// store, returns the acc and acc_norm rows to record for the model (quantRunId nullopt: the FP16
// baseline); the caller writes them in one transaction once everything is done, so a cancelled
// run leaves no partial results.
std::vector<lieq::store::EvalResult> scoreRunTasks(lieq::Model &model, const lieq::Tokenizer &tokenizer,
                                                   const std::vector<lieq::TaskData> &tasks,
                                                   const RunRequest &request, RunResult &result,
                                                   lieq::store::ExperimentStore *store, std::int64_t modelId,
                                                   std::optional<std::int64_t> quantRunId,
                                                   const lieq::ProgressFn &progress);

// Settings JSON of a perplexity row ({"max_windows", "seqlen", "tokens"}), as runQuantization
// stores it; baselines match on seqlen and max_windows.
std::string pplSettingsJson(std::int64_t seqlen, std::int64_t maxWindows, std::int64_t tokens);
// Settings JSON of a task row ({"limit"}).
std::string taskSettingsJson(std::int64_t limit);

// Fills result.baselinePpl / baselineAccuracy from the newest stored FP16 rows of `modelId`
// evaluated like `request` (same perplexity data set `pplDatasetId`, seqlen and window cap;
// same task limit).
void attachStoredBaseline(lieq::store::ExperimentStore &store, std::int64_t modelId,
                          std::int64_t pplDatasetId, const RunRequest &request, RunResult &result);

} // namespace lieq::ui
