#pragma once
// Internal to core/jobs: the evaluation steps the evaluate and quantize jobs share, on a model
// already loaded (the quantize job evaluates the model it just quantized in memory).

#include "core/jobs/evaluate_job.h"
#include "core/store/records.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace lieq {
class Model;
class Tokenizer;
struct TokenWindows;
namespace store {
class ExperimentStore;
}
} // namespace lieq

namespace lieq::jobs {

// Perplexity on spec.pplData (when given), then every task; writes the per-item log when
// spec.logSamplesPath is set. `tasks` as loadTasks(spec) returned them.
EvalReport evaluateLoadedModel(Model &model, const Tokenizer &tokenizer, const std::string &modelDir,
                               const std::vector<TaskData> &tasks, const EvaluationSpec &spec,
                               const JobContext &context);

// A text file (or JSONL field; rows joined by `separator`) tokenized once and cut into
// perplexity windows. Throws lieq::Error naming the file when it holds less than one window.
TokenWindows textWindows(const Tokenizer &tokenizer, const std::string &path, const std::string &field,
                         const std::string &separator, std::int64_t seqlen, std::int64_t maxWindows);

// KL statistics of `model` against `referenceDir` on the windows spec's perplexity uses
// (pplData, seqlen, maxWindows); throws lieq::Error when spec has no perplexity data.
KlStatistics measureKl(Model &model, const Tokenizer &tokenizer, const std::string &referenceDir,
                       const EvaluationSpec &spec, const JobContext &context);

// The reference folder spec.klReference names for a model whose source (FP16) folder is
// `sourceModelDir` ("" when spec asks for none).
std::string klReferenceDir(const EvaluationSpec &spec, const std::string &sourceModelDir);

// Records KL statistics measured as `spec` says (the text, seqlen, window cap).
void recordKlStatistics(store::ExperimentStore &db, const KlStatistics &stats,
                        const std::string &evaluatedDir, std::optional<std::int64_t> quantRunId,
                        const std::string &referenceDir, const EvaluationSpec &spec);

// The store rows of a report: per task acc (and acc_norm where defined), and one "ppl" row
// named after the data file's stem, each with its data set and the settings that identify how
// it was measured (tasks: limit, seed, add_bos, batching, data_dir, prompts; perplexity:
// seqlen, max_windows, tokens, data).
std::vector<store::EvalResult> evaluationRows(store::ExperimentStore &db, const EvalReport &report,
                                              const EvaluationSpec &spec, std::int64_t modelId,
                                              std::optional<std::int64_t> quantRunId);

// The newest stored unquantized results of modelId measured as `spec` asks (same perplexity
// data set, seqlen and window cap; same task limit); nullopt when there are none. The data
// set's id is looked up (a write) unless given.
std::optional<EvalBaseline> matchingStoredBaseline(store::ExperimentStore &db, std::int64_t modelId,
                                                   const EvaluationSpec &spec,
                                                   std::optional<std::int64_t> pplDatasetId = {});

} // namespace lieq::jobs
