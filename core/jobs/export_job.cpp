#include "core/jobs/export_job.h"

#include "core/alloc/plan_json.h"
#include "core/export/gguf_weights.h"
#include "core/export/quantized_run_reader.h"
#include "core/io/checkpoint.h"
#include "core/io/gguf_export.h"
#include "core/jobs/job_store.h"
#include "core/store/experiment_store.h"
#include "core/store/fingerprint.h"
#include "core/store/sha256.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace lieq::jobs {

namespace fs = std::filesystem;

ExportSource resolveExportSource(const std::string &text, const JobContext &context)
{
    ExportSource s;
    const bool looksLikeRun = text.size() > 1 && text[0] == 'q' && text.find_first_not_of("0123456789", 1) == std::string::npos;
    if (!looksLikeRun || fs::exists(text)) {
        if (!fs::is_directory(text))
            throw Error(text, "is neither a model folder nor a quantization run id (q12)");
        s.dir = text;
        return s;
    }
    const std::string path = context.storePath();
    if (path.empty() || !fs::exists(path))
        throw Error(text, "names a quantization run, but there is no experiment store to look it up in");
    store::ExperimentStore db(path, store::ExperimentStore::Access::ReadOnly);
    const std::int64_t id = std::stoll(text.substr(1));
    const auto run = db.loadQuantRun(id);
    if (!run)
        throw Error(path, "quantization run " + text + " does not exist");
    if (run->run.outputPath.empty())
        throw Error(path, "quantization run " + text + " saved no checkpoint (quantize it again with --out DIR)");
    if (!fs::is_directory(run->run.outputPath))
        throw Error(run->run.outputPath, "the checkpoint of quantization run " + text + " is gone");
    s.quantRunId = id;
    s.modelId = run->run.modelId;
    s.dir = run->run.outputPath;
    return s;
}

GgufExportJobResult runGgufExport(const GgufExportRequest &request, const JobContext &context)
{
    GgufExportJobResult r;
    r.source = resolveExportSource(request.source, context);
    const std::string out = fs::absolute(request.outPath).lexically_normal().string();
    if (r.source.quantRunId || isQuantizedRunFolder(r.source.dir)) {
        if (!request.planPath.empty())
            throw Error(request.planPath, "a quantization run brings its own plan; --plan is for model folders");
        const QuantizedRunReader run(r.source.dir);
        r.gguf = exportRunGguf(run, out, request.options, context.progress);
        r.mode = "run";
    } else if (!request.planPath.empty()) {
        const Checkpoint ck(r.source.dir);
        r.gguf = exportPlannedGguf(ck, alloc::loadPlan(request.planPath), out, request.options, context.progress);
        r.mode = "plan";
    } else {
        const Checkpoint ck(r.source.dir);
        GgufExportOptions o;
        o.type = request.plainType;
        o.name = request.options.name;
        const GgufExportResult plain = exportGguf(ck, out, o, context.progress);
        r.gguf.path = plain.path;
        r.gguf.architecture = plain.architecture;
        r.gguf.fileBytes = plain.fileBytes;
        r.gguf.vocabTokens = plain.vocabTokens;
        r.gguf.fileType = request.plainType == GgmlType::F16 ? GgufFileType::MostlyF16 : GgufFileType::AllF32;
        r.mode = "plain";
    }
    if (request.check)
        r.check = runGgufCheck(out, r.source, *request.check, context);
    if (context.store.enabled) {
        store::ExportRecord rec;
        rec.kind = "gguf";
        rec.path = out;
        rec.quantRunId = r.source.quantRunId;
        if (!r.source.quantRunId) {
            auto db = openStore(context);
            rec.modelId = recordModel(*db, r.source.dir);
        }
        rec.settingsJson = nlohmann::json{{"mode", r.mode},
                                          {"source", request.source},
                                          {"plan", request.planPath},
                                          {"embedding_type", ggmlTypeName(request.options.embeddingType)},
                                          {"output_type", ggmlTypeName(request.options.outputType)}}
                               .dump();
        nlohmann::json summary = nlohmann::json::parse(r.gguf.summaryJson());
        if (r.check) {
            auto kl = [](const PerplexityReport &p) {
                return nlohmann::json{{"ppl", p.ppl.ppl}, {"tokens", p.ppl.tokens},
                                      {"kl_mean", p.kl ? p.kl->meanKl : 0.0}, {"top1", p.kl ? p.kl->top1Agreement : 0.0}};
            };
            summary["check"] = {{"reference", r.check->referenceModel}, {"gguf", kl(r.check->gguf)}};
            if (r.check->run)
                summary["check"]["run"] = kl(*r.check->run);
        }
        rec.summaryJson = summary.dump();
        recordExports(context, {rec});
    }
    return r;
}

GptqExportJobResult runGptqExport(const std::string &source, const std::string &outDir,
                                  const GptqExportOptions &options, const JobContext &context)
{
    GptqExportJobResult r;
    r.source = resolveExportSource(source, context);
    if (!isQuantizedRunFolder(r.source.dir))
        throw Error(r.source.dir, "is not a quantization run's checkpoint: GPTQ export needs quantized weights "
                                  "(quantize with --out DIR first)");
    r.gptq = exportRunGptq(QuantizedRunReader(r.source.dir), outDir, options, context.progress);
    if (context.store.enabled) {
        store::ExportRecord rec;
        rec.kind = "gptq";
        rec.path = r.gptq.dir;
        rec.bytes = static_cast<std::int64_t>(r.gptq.bytes);
        rec.quantRunId = r.source.quantRunId;
        if (!rec.quantRunId) {
            auto db = openStore(context);
            rec.modelId = recordModel(*db, r.source.dir);
        }
        rec.settingsJson = nlohmann::json{{"source", source},
                                          {"format", options.format == GptqFormat::V1   ? "v1"
                                                     : options.format == GptqFormat::V2 ? "v2"
                                                                                        : "auto"},
                                          {"shard_bytes", options.shardBytes}}
                               .dump();
        rec.summaryJson = r.gptq.summaryJson();
        recordExports(context, {rec});
    }
    return r;
}

GgufCheck runGgufCheck(const std::string &ggufPath, const ExportSource &source, const GgufCheckRequest &request,
                       const JobContext &context)
{
    GgufCheck c;
    const bool fromRun = isQuantizedRunFolder(source.dir);
    c.referenceModel = request.referenceModel;
    if (c.referenceModel.empty())
        c.referenceModel = fromRun ? QuantizedRunReader(source.dir).sourceModel() : source.dir;
    if (c.referenceModel.empty() || !fs::is_directory(c.referenceModel))
        throw Error(source.dir, "no FP16 reference model to compare with (name one)");
    const fs::path tmp = fs::temp_directory_path() / ("lieq-gguf-check-" + std::to_string(::getpid()));
    ggufToCheckpoint(ggufPath, source.dir, tmp.string(), context.progress);
    JobContext quiet = context;
    quiet.store.enabled = false; // a check records nothing of its own
    PerplexityRequest p;
    p.data = request.data;
    p.field = request.field;
    p.seqlen = request.seqlen;
    p.maxWindows = request.maxWindows;
    p.klReference = c.referenceModel;
    try {
        p.target = tmp.string();
        c.gguf = runPerplexity(p, quiet);
        if (fromRun) {
            p.target = source.dir;
            c.run = runPerplexity(p, quiet);
        }
    } catch (...) {
        std::error_code ec;
        fs::remove_all(tmp, ec);
        throw;
    }
    std::error_code ec;
    fs::remove_all(tmp, ec);
    return c;
}

std::string fileSha256(const std::string &path)
{
    if (!fs::is_regular_file(path))
        return {};
    std::ifstream in(path, std::ios::binary);
    store::Sha256 sha;
    std::vector<char> buf(1 << 20);
    while (in.read(buf.data(), std::streamsize(buf.size())) || in.gcount() > 0)
        sha.update(buf.data(), std::size_t(in.gcount()));
    return sha.hexDigest();
}

void recordExports(const JobContext &context, std::vector<store::ExportRecord> records)
{
    auto db = openStore(context);
    if (!db)
        return;
    for (store::ExportRecord &r : records) {
        r.path = fs::absolute(r.path).lexically_normal().string();
        std::error_code ec;
        if (r.bytes == 0 && fs::is_regular_file(r.path, ec))
            r.bytes = static_cast<std::int64_t>(fs::file_size(r.path, ec));
        if (r.sha256.empty())
            r.sha256 = fileSha256(r.path);
        db->addExport(r);
    }
}

std::vector<store::ExportRecord> listExports(const JobContext &context, const store::ExportFilter &filter)
{
    const std::string path = context.storePath();
    if (path.empty() || !fs::exists(path))
        return {};
    store::ExperimentStore db(path, store::ExperimentStore::Access::ReadOnly);
    return db.exports(filter);
}

} // namespace lieq::jobs
