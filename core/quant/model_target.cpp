#include "core/quant/model_target.h"

#include "core/quant/pipeline_checkpoint.h"
#include "core/store/experiment_store.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace lieq {

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

} // namespace lieq
