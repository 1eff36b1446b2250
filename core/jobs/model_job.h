#pragma once

#include "core/eval/kl_divergence.h"
#include "core/eval/perplexity.h"
#include "core/jobs/job_context.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// Small jobs on one model: what `lieq ppl` and `lieq generate` run. A TARGET is a model folder,
// a quantized checkpoint folder (`lieq quantize --out DIR`), or the id of a stored quantization
// run whose saved folder is used (looked up in the context's store path).
namespace lieq::jobs {

struct ModelTarget
{
    std::string dir;                         // the folder to load
    bool quantized = false;                  // a quantized checkpoint folder
    std::string sourceModelDir;              // quantized: the model it was made from, as
                                             // recorded in the folder; else dir
    std::optional<std::int64_t> quantRunId;  // the stored run that wrote dir, when known
    std::optional<std::int64_t> modelId;     // that run's (source) model id in the store
};

// `target` is an existing folder, or a positive integer: the id of a finished quant run in the
// store at storePath ("" = the default store) that saved its output. With lookupRun, a
// quantized folder is also matched to the stored run that wrote it (by output path; none when
// no run did). Throws lieq::Error naming the target (and the store) when it is neither, when
// the run is unknown, unfinished or saved nothing, or when its folder is gone.
ModelTarget resolveModelTarget(const std::string &target, const std::string &storePath = {},
                               bool lookupRun = false);

struct PerplexityRequest
{
    std::string target;
    std::string data;                    // text, or JSONL with `field`
    std::string field;
    std::string separator = "\n\n";      // joins JSONL rows
    std::int64_t seqlen = 2048;
    std::int64_t maxWindows = -1;
    std::int64_t batch = 1;              // windows per layer-major forward
    std::vector<int> skipLayers;         // layers replaced by the identity
    std::string klReference;             // also KL(reference || model) against this folder;
                                         // "base": the model a quantized folder was made from
};

struct PerplexityReport
{
    std::string modelDir;
    PerplexityResult ppl;
    std::optional<KlDivergenceResult> kl; // kl->stats: llama.cpp's --kl-divergence figures
    std::string klReferenceDir;
    std::int64_t sourceTokens = 0;       // tokens of the text before cutting into windows
    std::int64_t droppedTokens = 0;
    bool resident = false;               // all fp32 weights kept (else streamed)
    std::string device;
    int threads = 0;                     // compute threads used
    std::int64_t maxPositionEmbeddings = 0;
};

PerplexityReport runPerplexity(const PerplexityRequest &request, const JobContext &context);

struct GenerateRequest
{
    std::string target;
    std::string prompt;
    int maxNewTokens = 64;
    bool stopAtEos = true;
    bool addSpecialTokens = true;        // the tokenizer's BOS before the prompt
};

struct GenerateReport
{
    std::string modelDir;
    std::vector<std::int32_t> promptIds;
    std::vector<std::int32_t> ids;       // new tokens only
    std::string prompt;                  // the prompt as the tokenizer decodes it
    std::string continuation;            // the new text
    std::string fullText;                // prompt and new tokens decoded together
    bool stoppedAtEos = false;
    double seconds = 0;
    std::string device;
};

GenerateReport runGenerate(const GenerateRequest &request, const JobContext &context);

} // namespace lieq::jobs
