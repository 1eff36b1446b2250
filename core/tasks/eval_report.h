#pragma once

// A whole evaluation (perplexity + zero-shot tasks) as one result struct, its JSON form (what
// `lieq eval --json` prints and `--baseline FILE` reads back) and the "% of FP16 recovered"
// comparison. (Its experiment-store rows are written by core/jobs.)

#include "core/tasks/zero_shot.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lieq {

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
    std::map<std::string, double> accNorm; // tasks that define acc_norm
    std::optional<double> ppl;
};

struct Recovery
{
    std::map<std::string, double> acc;     // task -> 100 * acc / baseline acc
    std::map<std::string, double> accNorm; // tasks that define acc_norm
    double averageAcc = 0;                 // 100 * mean acc / baseline mean acc, same tasks
    double averageAccNorm = 0;             // the same over the tasks with acc_norm
    std::optional<double> pplRatio;        // ppl / baseline ppl
};

// Compares the tasks present in both; NaN averages when no task is shared.
Recovery recovery(const EvalReport &report, const EvalBaseline &baseline);

// JSON text of the report (with recovery when a baseline is given).
std::string evalReportJson(const EvalReport &report, const EvalBaseline *baseline = nullptr);

// Reads the JSON evalReportJson() wrote; throws lieq::Error naming the file.
EvalBaseline baselineFromJsonFile(const std::string &path);

} // namespace lieq
