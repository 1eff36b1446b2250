#include "core/jobs/model_job.h"

#include "core/data/token_windows.h"
#include "core/jobs/loaded_model.h"
#include "core/jobs/model_evaluation.h"
#include "core/model/model.h"
#include "core/quant/pipeline_checkpoint.h"
#include "core/tokenizer/tokenizer.h"
#include "core/store/experiment_store.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace lieq::jobs {

namespace fs = std::filesystem;

namespace {

std::string normalised(const std::string &dir)
{
    fs::path p = fs::absolute(dir).lexically_normal();
    if (!p.has_filename() && p.has_parent_path())
        p = p.parent_path(); // "out/" -> "out"
    return p.string();
}

std::optional<std::int64_t> parseRunId(const std::string &text)
{
    if (text.empty() || text.size() > 18)
        return std::nullopt;
    for (char c : text)
        if (c < '0' || c > '9')
            return std::nullopt;
    const std::int64_t id = std::stoll(text);
    return id > 0 ? std::optional<std::int64_t>(id) : std::nullopt;
}

// The source model recorded in a quantized folder's config (empty when unreadable).
std::string recordedSource(const std::string &dir)
{
    std::ifstream in(fs::path(dir) / kQuantConfigFile);
    const nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (j.is_object() && j.contains("source_model") && j["source_model"].is_string())
        return j["source_model"].get<std::string>();
    return {};
}

} // namespace

ModelTarget resolveModelTarget(const std::string &target, const std::string &storePath,
                               bool lookupRun)
{
    ModelTarget t;
    if (fs::is_directory(target)) {
        t.dir = target;
        t.quantized = isQuantizedCheckpoint(target);
        t.sourceModelDir = t.quantized ? recordedSource(target) : target;
        if (t.quantized && lookupRun) {
            store::ExperimentStore st(storePath);
            const std::string want = normalised(target);
            store::RunFilter f;
            f.kind = store::RunKind::Quant;
            f.status = store::RunStatus::Done;
            f.limit = 0;
            for (const store::RunSummary &s : st.listRuns(f).runs) { // newest first
                const auto run = st.loadQuantRun(s.id);
                if (run && !run->run.outputPath.empty() &&
                    normalised(run->run.outputPath) == want) {
                    t.quantRunId = run->run.id;
                    t.modelId = run->run.modelId;
                    break;
                }
            }
        }
        return t;
    }
    const std::optional<std::int64_t> id = parseRunId(target);
    if (!id)
        throw Error(target, "neither a model folder nor the id of a stored quantization run");
    store::ExperimentStore st(storePath, store::ExperimentStore::Access::ReadOnly);
    const auto run = st.loadQuantRun(*id);
    if (!run)
        throw Error(st.path(), "no quantization run " + target + " (see lieq runs list)");
    if (run->run.status != store::RunStatus::Done)
        throw Error(st.path(), "quantization run " + target + " is " +
                                   store::runStatusName(run->run.status) + ", not done");
    if (run->run.outputPath.empty())
        throw Error(st.path(), "quantization run " + target +
                                   " saved no checkpoint (run lieq quantize with --out DIR)");
    if (!isQuantizedCheckpoint(run->run.outputPath))
        throw Error(run->run.outputPath, "the checkpoint of quantization run " + target +
                                             " is missing or no longer a quantized folder");
    t.dir = run->run.outputPath;
    t.quantized = true;
    t.sourceModelDir = recordedSource(t.dir);
    t.quantRunId = run->run.id;
    t.modelId = run->run.modelId;
    return t;
}


ModelOptions modelOptions(const JobContext &context)
{
    ModelOptions mo;
    mo.device = context.device.empty() ? std::string("auto") : context.device;
    if (context.streamLayers)
        mo.residentBudgetBytes = 0;
    return mo;
}

std::unique_ptr<Model> loadModel(const std::string &dir, const JobContext &context)
{
    context.report("loading model", 0, 1, dir);
    return loadAnyModel(dir, modelOptions(context));
}

CalibrationSet loadCalibration(const Tokenizer &tokenizer, const CalibrationSpec &spec,
                               const JobContext &context)
{
    context.report("calibration", 0, 1, spec.path);
    return sampleCalibration(tokenizer, spec);
}

PerplexityReport runPerplexity(const PerplexityRequest &request, const JobContext &context)
{
    context.applyThreads();
    if (request.data.empty())
        throw Error("perplexity: no text file given");
    if (request.seqlen < 2 || request.batch < 1)
        throw Error("perplexity: windows need at least 2 tokens and a batch at least 1 window");
    PerplexityReport out;
    const ModelTarget target = resolveModelTarget(request.target, context.store.path);
    out.modelDir = target.dir;
    const Tokenizer tokenizer = Tokenizer::fromModelDir(out.modelDir);
    // Read before the model loads: a bad or short text fails first.
    const TokenWindows windows = textWindows(tokenizer, request.data, request.field,
                                             request.separator, request.seqlen, request.maxWindows);
    auto model = loadModel(out.modelDir, context);
    out.maxPositionEmbeddings = model->config().maxPositionEmbeddings;
    out.resident = model->isResident();
    out.device = model->deviceName();
    out.threads = computeThreads();
    PerplexityOptions po;
    po.batch = request.batch;
    po.skipLayers = request.skipLayers;
    for (int l : po.skipLayers)
        if (l < 0 || l >= model->config().numLayers)
            throw Error("perplexity: layer " + std::to_string(l) + " to skip is not in [0, " +
                        std::to_string(model->config().numLayers) + ")");
    out.sourceTokens = windows.sourceTokens;
    out.droppedTokens = windows.droppedTokens;
    out.ppl = evaluatePerplexity(*model, windows, po, context.progress);
    if (!request.klReference.empty()) {
        if (!po.skipLayers.empty())
            throw Error("perplexity: the KL divergence compares whole models; skip no layers");
        // "base": the FP16 model a quantized folder was made from (recorded in the folder).
        out.klReferenceDir = request.klReference == "base" || request.klReference == "fp16"
                                 ? target.sourceModelDir
                                 : request.klReference;
        auto reference = loadModel(out.klReferenceDir, context);
        out.kl = evaluateKlDivergence(*reference, *model, windows, context.progress);
    }
    return out;
}

GenerateReport runGenerate(const GenerateRequest &request, const JobContext &context)
{
    context.applyThreads();
    if (request.maxNewTokens < 0 || request.maxNewTokens > 1'000'000)
        throw Error("generate: the number of new tokens must be between 0 and 1000000");
    GenerateReport out;
    out.modelDir = resolveModelTarget(request.target, context.store.path).dir;
    const Tokenizer tokenizer = Tokenizer::fromModelDir(out.modelDir);
    auto model = loadModel(out.modelDir, context);
    out.device = model->deviceName();
    out.promptIds = tokenizer.encode(request.prompt, request.addSpecialTokens);
    if (out.promptIds.empty())
        throw Error("generate: the prompt encodes to no tokens");
    GenerateOptions go;
    go.maxNewTokens = request.maxNewTokens;
    go.stopAtEos = request.stopAtEos;
    const GenerateResult r = model->generate(out.promptIds, go, context.progress);
    out.ids = r.tokens;
    out.stoppedAtEos = r.stoppedAtEos;
    out.seconds = r.seconds;
    std::vector<std::int32_t> all = out.promptIds;
    all.insert(all.end(), r.tokens.begin(), r.tokens.end());
    // Decode whole sequences and cut, so pieces that merge across the boundary stay intact.
    const std::string full = tokenizer.decode(all, /*skipSpecial=*/true);
    out.fullText = full;
    out.prompt = tokenizer.decode(out.promptIds, /*skipSpecial=*/true);
    out.continuation = full.compare(0, out.prompt.size(), out.prompt) == 0
                           ? full.substr(out.prompt.size())
                           : tokenizer.decode(r.tokens, true);
    return out;
}

} // namespace lieq::jobs
