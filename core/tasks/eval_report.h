#pragma once

// A whole evaluation (perplexity + zero-shot tasks) as one result struct, its JSON form (what
// `lieq eval --json` prints and `--baseline FILE` reads back), the "% of FP16 recovered"
// comparison, and the rows it becomes in the experiment store (eval_results).

#include "core/store/records.h"
#include "core/tasks/zero_shot.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lieq {

namespace store {
class ExperimentStore;
}

struct PerplexityFigures
{
    std::string data;           // file evaluated
    double ppl = 0;
    std::int64_t windows = 0;
    std::int64_t seqlen = 0;
    std::int64_t tokens = 0;    // predicted tokens
    double seconds = 0;
};

struct EvalReport
{
    std::string model;                     // folder
    std::optional<PerplexityFigures> ppl;
    std::vector<TaskResult> tasks;
    std::string settingsJson = "{}";       // limit, seed, add_bos, batching, data dir
};

// Metric values of a reference evaluation: task -> value, per metric.
struct EvalBaseline
{
    std::string source;                    // file or "store: ..."
    std::map<std::string, double> acc;
    std::map<std::string, double> accNorm;
    std::optional<double> ppl;
};

struct Recovery
{
    std::map<std::string, double> acc;     // task -> 100 * acc / baseline acc
    std::map<std::string, double> accNorm;
    double averageAcc = 0;                 // 100 * mean acc / baseline mean acc, same tasks
    double averageAccNorm = 0;
    std::optional<double> pplRatio;        // ppl / baseline ppl
};

// Compares the tasks present in both; NaN averages when no task is shared.
Recovery recovery(const EvalReport &report, const EvalBaseline &baseline);

// JSON text of the report (with recovery when a baseline is given).
std::string evalReportJson(const EvalReport &report, const EvalBaseline *baseline = nullptr);

// Reads the JSON evalReportJson() wrote; throws lieq::Error naming the file.
EvalBaseline baselineFromJsonFile(const std::string &path);

// Newest stored rows per (task, metric) of a model: its unquantized results (quantRunId
// nullopt) or those of one quantization run. Throws lieq::Error when there are none.
EvalBaseline baselineFromStore(store::ExperimentStore &store, std::int64_t modelId,
                               std::optional<std::int64_t> quantRunId);

// One row per task and metric (acc, acc_norm; ppl for the perplexity data).
// datasetIds: task (or "ppl") -> dataset id, where known.
std::vector<store::EvalResult> evalRows(const EvalReport &report, std::int64_t modelId,
                                        std::optional<std::int64_t> quantRunId,
                                        const std::map<std::string, std::int64_t> &datasetIds);

} // namespace lieq
