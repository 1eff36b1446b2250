#pragma once

#include "core/export/gguf_quant_export.h"
#include "core/export/gptq_export.h"
#include "core/jobs/model_job.h"
#include "core/jobs/job_context.h"
#include "core/store/records.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// Exports as jobs: a stored quantization run ("q12") or a model folder to GGUF (and GPTQ),
// with every file written recorded in the store's exports table so History shows where it
// went. Reports and bundles are rendered by ui/ (Qt); they record their files here too.
namespace lieq::jobs {

// What an export starts from.
struct ExportSource
{
    std::optional<std::int64_t> quantRunId; // a stored run ("q12")
    std::optional<std::int64_t> modelId;    // the model record (runs, or a model known to the store)
    std::string dir;                        // the run's checkpoint folder, or the model folder
};

// "q12" -> the run's checkpoint folder (from the store; an error when the run saved none or
// the folder is gone); anything else is a model folder.
ExportSource resolveExportSource(const std::string &text, const JobContext &context);

// The written file evaluated by this project's runtime on the weights it really holds
// (ggufToCheckpoint), beside the run's own checkpoint, both against the FP16 model.
struct GgufCheckRequest
{
    std::string data;                        // evaluation text (or JSONL with field)
    std::string field;
    std::string referenceModel;              // FP16 model; default: the run's source model
    std::int64_t seqlen = 256;
    std::int64_t maxWindows = 8;
};

struct GgufExportRequest
{
    std::string source;                      // "q12" or a model folder
    std::string outPath;
    std::string planPath;                    // model folder + bit plan JSON: per-tensor types
    GgmlType plainType = GgmlType::F16;      // model folder without a plan: F16 or F32
    GgufQuantOptions options;
    std::optional<GgufCheckRequest> check;   // evaluate the written file (and the run)
};

struct GgufCheck
{
    PerplexityReport gguf;                   // ppl and KL(FP16 || GGUF weights)
    std::optional<PerplexityReport> run;     // ppl and KL(FP16 || the run's checkpoint)
    std::string referenceModel;
};

struct GgufExportJobResult
{
    ExportSource source;
    GgufQuantResult gguf;
    std::string mode;                        // "run", "plan" or "plain"
    std::optional<GgufCheck> check;
};

GgufExportJobResult runGgufExport(const GgufExportRequest &request, const JobContext &context);
// The check alone, for a GGUF written from `source` (a run id or folder).
GgufCheck runGgufCheck(const std::string &ggufPath, const ExportSource &source, const GgufCheckRequest &request,
                       const JobContext &context);

// A stored quantization run ("q12") or a run's checkpoint folder as a GPTQ checkpoint folder.
struct GptqExportJobResult
{
    ExportSource source;
    GptqExportResult gptq;
};
GptqExportJobResult runGptqExport(const std::string &source, const std::string &outDir,
                                  const GptqExportOptions &options, const JobContext &context);

// Records written files (one row per run or model each covers); nothing when the context
// records nothing. Paths are stored absolute, with the file's size and SHA-256.
void recordExports(const JobContext &context, std::vector<store::ExportRecord> records);
std::vector<store::ExportRecord> listExports(const JobContext &context, const store::ExportFilter &filter);

// SHA-256 (hex) of a file's bytes; "" for a folder.
std::string fileSha256(const std::string &path);

} // namespace lieq::jobs
