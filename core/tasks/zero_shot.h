#pragma once

// Zero-shot multiple-choice evaluation (lm-evaluation-harness metrics) of a lieq::Model --
// whose linears may have been replaced by quantized ones (Decoder::setLinear), so the same
// call evaluates the FP16 baseline and a quantized run.
//
// Per item: every choice's continuation log-likelihood given its context; acc = [argmax of the
// sums is gold]; acc_norm = [argmax of sum / len(choice text) is gold] (len in code points, as
// the harness's completion_len; first maximum wins like np.argmax). Per task: the means and
// their standard errors, sample std (ddof 1) / sqrt(n), as the harness's mean_stderr. The
// harness defines acc_norm for PIQA, ARC and HellaSwag only; WinoGrande (partial scoring: the
// continuation is the same for both options) and BoolQ report acc alone.

#include "core/tasks/loglikelihood_scorer.h"
#include "core/tasks/task_data.h"
#include "core/util/progress.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lieq {

class Model;
class Tokenizer;

struct ZeroShotOptions
{
    ScorerOptions scorer;
    std::int64_t limit = -1;                 // < 0: all items
    std::optional<std::uint64_t> sampleSeed; // with limit: a seeded sample instead of the first N
    bool keepItems = false;                  // fill TaskResult::items
};

struct ItemScore
{
    std::size_t item = 0;          // index into TaskData::items
    std::vector<double> logprobs;  // per choice
    std::vector<std::int64_t> tokens;  // continuation tokens scored, per choice
    std::vector<std::int64_t> lengths; // choice text length in code points (acc_norm's divisor)
    int gold = 0;
    int predicted = 0;             // argmax logprob
    int predictedNorm = 0;         // argmax logprob / choice length
};

struct TaskResult
{
    std::string task;
    std::int64_t n = 0;            // items scored
    std::int64_t total = 0;        // items in the data set
    double acc = 0, accStderr = 0;
    bool hasAccNorm = true;        // taskHasAccNorm(task); else accNorm is NaN
    double accNorm = 0, accNormStderr = 0;
    double seconds = 0;
    ScoringStats stats;
    std::vector<ItemScore> items;  // when ZeroShotOptions::keepItems
};

// Indices of the items to evaluate: all, the first `limit`, or (with a seed) a sorted seeded
// sample of `limit` items.
std::vector<std::size_t> selectItems(std::size_t count, std::int64_t limit,
                                     std::optional<std::uint64_t> seed);

// Scores one task. Progress: stage "<task>", done = requests scored; may cancel.
TaskResult evaluateTask(Model &model, const Tokenizer &tokenizer, const TaskData &task,
                        const ZeroShotOptions &options = {}, const ProgressFn &progress = {});

// Per-item metrics from choice log-likelihoods (exposed for tests).
ItemScore scoreItem(const TaskItem &item, const std::vector<double> &logprobs);

// Mean and standard error (sample std / sqrt(n); 0 for n < 2) of 0/1 outcomes.
void meanAndStderr(const std::vector<double> &values, double &mean, double &stderrValue);

// Unweighted mean over tasks of acc, or of acc_norm over the tasks that define it (NaN when
// none does).
double averageAcc(const std::vector<TaskResult> &results, bool norm = false);

// Whether lm-evaluation-harness reports acc_norm for a task (canonical name): not for
// winogrande and boolq.
bool taskHasAccNorm(const std::string &task);

// 100 * value / baseline ("% of FP16 recovered"); NaN when the baseline is not positive.
double recoveredPercent(double value, double baseline);

} // namespace lieq
