#pragma once

// Plain structs the experiment store takes and returns. No Qt, no torch, no SQLite: the GUI,
// CLI and engine fill and read them directly. JSON blobs travel as text (settings, timings,
// bit plans) so their shape can grow without a schema change; the store validates and
// canonicalises them. Times are Unix milliseconds (UTC). Absent doubles are NaN.

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lieq::store {

inline constexpr double kNoValue = std::numeric_limits<double>::quiet_NaN();

// "interrupted": found "running" on open with its owning process gone (a crash).
enum class RunStatus { Running, Done, Failed, Cancelled, Interrupted };
enum class RunKind { Analysis, Quant };

std::string runStatusName(RunStatus s);
std::string runKindName(RunKind k);
RunStatus runStatusFromString(const std::string &s); // throws lieq::Error on unknown text
RunKind runKindFromString(const std::string &s);     // "analysis" | "quant"

struct ModelRecord
{
    std::int64_t id = 0;
    std::string path;
    std::string name;
    std::string fingerprint;  // see describeModel(): config + tensor index (+ weight sample)
    std::string architecture; // e.g. "LlamaForCausalLM"
    std::int64_t layerCount = 0;
    std::int64_t paramCount = 0;
    std::string dtype;        // "bfloat16", "float16", "float32"
    std::int64_t bytes = 0;
    std::int64_t addedAtMs = 0;
};

struct DatasetRecord
{
    std::int64_t id = 0;
    std::string path;
    std::string kind;        // free text: "text", "jsonl:text", "wikitext2", "piqa", ...
    std::string contentHash; // SHA-256 of the content
    std::int64_t bytes = 0;
    std::int64_t addedAtMs = 0;
};

// How a run ended; also what finishRun()/finishQuantRun() take.
struct RunOutcome
{
    RunOutcome() = default;
    RunOutcome(RunStatus s, std::string error = {}, std::string timings = "{}",
               double wall = kNoValue)
        : status(s), errorText(std::move(error)), timingsJson(std::move(timings)), wallSeconds(wall)
    {
    }

    RunStatus status = RunStatus::Done;
    std::string errorText;            // for failed runs
    std::string timingsJson = "{}";   // stage -> seconds, e.g. {"dppl": 12.5, "compact": 3.1}
    double wallSeconds = kNoValue;
};

struct AnalysisRunSpec
{
    std::int64_t modelId = 0;
    std::int64_t datasetId = 0;
    std::string backend = "cpu";      // device / implementation the numbers came from
    std::string settingsJson = "{}";  // metrics, samples, seqlen, k, variant, std, ...
    std::optional<std::int64_t> seed;
};

struct AnalysisRun
{
    std::int64_t id = 0;
    std::int64_t modelId = 0;
    std::int64_t datasetId = 0;
    std::string backend;
    std::string settingsJson;         // canonical (sorted keys)
    std::string settingsHash;         // SHA-256 of settingsJson
    std::optional<std::int64_t> seed;
    RunStatus status = RunStatus::Running;
    std::string errorText;
    std::string timingsJson = "{}";
    double wallSeconds = kNoValue;
    std::int64_t createdAtMs = 0;
    std::optional<std::int64_t> finishedAtMs;
};

struct LayerMetric
{
    int layer = 0;
    std::string metric; // "dppl", "dr", "dE", "compact", ...
    double value = kNoValue;
};

struct ProjectionMetric
{
    int layer = 0;
    std::string projection; // "q", "k", "v", "o", "gate", "up", "down"
    std::string metric;
    std::optional<int> head; // per-head variant; nullopt for the whole projection
    double value = kNoValue;
};

struct AnalysisRunDetail
{
    AnalysisRun run;
    ModelRecord model;
    DatasetRecord dataset;
    std::vector<LayerMetric> layers;           // ordered by layer, metric
    std::vector<ProjectionMetric> projections; // ordered by layer, projection, metric, head
};

struct Plan
{
    std::int64_t id = 0;
    std::int64_t modelId = 0;
    std::optional<std::int64_t> sourceRunId; // analysis run whose scores chose the bits
    std::string name;
    std::string method;                      // "lieq-topk", "knapsack", "uniform", ...
    double budgetBits = 0;                   // target average bits
    std::string bitsJson = "[]";             // per-layer bits (or richer object), as JSON
    double nominalBits = kNoValue;           // average over decoder linear weights
    double effectiveBits = kNoValue;         // including scales/zeros
    std::string settingsJson = "{}";         // pins, bit set, groups
    std::int64_t createdAtMs = 0;
};

struct QuantRunSpec
{
    std::int64_t planId = 0;
    std::optional<std::int64_t> datasetId; // calibration data; none for RTN
    std::string method;                    // "rtn", "gptq", "awq", "gguf-q2_k", ...
    std::string settingsJson = "{}";
    std::optional<std::int64_t> seed;
};

struct QuantRun
{
    std::int64_t id = 0;
    std::int64_t planId = 0;
    std::int64_t modelId = 0; // the plan's model
    std::optional<std::int64_t> datasetId;
    std::string method;
    std::string settingsJson;
    std::string settingsHash;
    std::optional<std::int64_t> seed;
    RunStatus status = RunStatus::Running;
    std::string errorText;
    std::string timingsJson = "{}";
    double wallSeconds = kNoValue;
    std::string outputPath;
    std::int64_t outputBytes = 0;
    std::int64_t createdAtMs = 0;
    std::optional<std::int64_t> finishedAtMs;
};

struct ModuleLoss
{
    int layer = 0;
    std::string module; // "q_proj", ..., "down_proj"
    std::optional<int> bits;
    double loss = kNoValue; // reconstruction loss the backend reports
    double seconds = kNoValue;
};

struct QuantRunDetail
{
    QuantRun run;
    Plan plan;
    std::vector<ModuleLoss> losses; // ordered by layer, module
};

struct EvalResult
{
    std::int64_t id = 0;
    std::int64_t modelId = 0;               // set from the plan when quantRunId is given
    std::optional<std::int64_t> quantRunId; // nullopt: the unquantized baseline
    std::optional<std::int64_t> datasetId;
    std::string task;                       // "wikitext2", "c4", "piqa", "arc_easy", ...
    std::string metric;                     // "ppl", "acc", "acc_norm"
    double value = kNoValue;
    double stderrValue = kNoValue;
    std::int64_t n = 0;                     // samples / windows scored
    std::string settingsJson = "{}";
    std::int64_t createdAtMs = 0;
};

struct EvalFilter
{
    std::optional<std::int64_t> modelId;
    std::optional<std::int64_t> quantRunId;
    bool baselineOnly = false; // only rows without a quant run
    std::string task;          // empty: all
};

// One file written from the store's runs: a GGUF, GPTQ checkpoint, report or bundle. A file
// covering several runs is one row per run; exports of a bare model carry only modelId.
struct ExportRecord
{
    std::int64_t id = 0;
    std::optional<std::int64_t> quantRunId;
    std::optional<std::int64_t> analysisRunId;
    std::optional<std::int64_t> modelId;
    std::string kind;              // "gguf", "gptq", "report-html", "report-pdf", "bundle", ...
    std::string path;              // absolute
    std::int64_t bytes = 0;
    std::string sha256;            // of the file (empty for folders)
    std::string settingsJson = "{}"; // what was asked (types, formats, options)
    std::string summaryJson = "{}";  // what came out (exact tensors, added error, pages, ...)
    std::int64_t createdAtMs = 0;
};

// KL statistics of a model against its FP16 reference on one text (schema v5). The headline
// figures are columns; statsJson holds the whole lieq::KlStatistics (core/eval/kl_statistics.h,
// klStatisticsFromJson), settingsJson the text, windows and reference path.
struct KlStatsRecord
{
    std::int64_t id = 0;
    std::int64_t modelId = 0;               // the evaluated model (set from the plan for a run)
    std::optional<std::int64_t> quantRunId; // the evaluated quantization run, if one
    std::int64_t referenceModelId = 0;
    std::optional<std::int64_t> datasetId;  // the evaluation text
    std::int64_t windows = 0;
    std::int64_t seqlen = 0;
    std::int64_t positions = 0;
    double klMean = kNoValue;               // nats per predicted token
    double klStderr = kNoValue;
    double klMax = kNoValue;
    double klP99 = kNoValue;
    double klMedian = kNoValue;
    double top1 = kNoValue;                 // share with the reference's top token
    double deltaPRms = kNoValue;            // RMS change in the next token's probability
    double pplRatio = kNoValue;             // PPL(model) / PPL(reference)
    double lnPplCorrelation = kNoValue;
    std::string statsJson = "{}";
    std::string settingsJson = "{}";
    std::int64_t createdAtMs = 0;
};

struct KlStatsFilter
{
    std::optional<std::int64_t> modelId;
    std::optional<std::int64_t> quantRunId;
};

struct ExportFilter
{
    std::optional<std::int64_t> quantRunId;
    std::optional<std::int64_t> analysisRunId;
    std::optional<std::int64_t> modelId;
    std::string kind; // empty: all
    int limit = 100;  // <= 0: no limit
};

// History listing across analysis and quantization runs, newest first.
struct RunFilter
{
    std::optional<std::int64_t> modelId;
    std::string model;         // substring of the model's name or path, or fingerprint prefix
    std::optional<std::int64_t> datasetId;
    std::optional<RunKind> kind;
    std::string backend;       // analysis backend or quantization method; empty: all
    std::optional<RunStatus> status;
    int limit = 100;           // <= 0: no limit
    int offset = 0;
};

struct RunSummary
{
    RunKind kind = RunKind::Analysis;
    std::int64_t id = 0;
    std::int64_t modelId = 0;
    std::string modelName;
    std::string modelPath;
    std::optional<std::int64_t> datasetId;
    std::string datasetPath;
    std::string backend; // analysis backend or quantization method
    RunStatus status = RunStatus::Running;
    std::string errorText;
    std::optional<std::int64_t> planId; // quant runs
    std::int64_t layerRows = 0;         // distinct layers with stored rows (progress of a run)
    double wallSeconds = kNoValue;
    std::int64_t createdAtMs = 0;
    std::optional<std::int64_t> finishedAtMs;
};

struct RunPage
{
    std::vector<RunSummary> runs;
    std::int64_t total = 0; // matching rows ignoring limit/offset
};

} // namespace lieq::store
