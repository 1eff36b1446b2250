// `lieq export SOURCE --gguf OUT.gguf | --gptq DIR`, `lieq export RUN... --bundle OUT.zip`: files
// for other runtimes and for other people, each recorded in the store's exports (History shows
// where they went). SOURCE is a stored quantization run (q12), a run's checkpoint folder or a
// model folder.
#include "app/cli/command.h"
#include "app/cli/terminal_progress.h"
#include "core/export/gguf_tensor_encoder.h"
#include "core/io/gguf_writer.h"
#include "core/jobs/export_job.h"
#include "core/util/error.h"
#include "lieq_version.h"
#include "ui/bundle/run_exports.h"
#include "ui/report/headless_gui.h"

#include <QGuiApplication>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <map>

namespace {

using lieq::cli::Args;

void printGguf(const lieq::jobs::GgufExportJobResult &r)
{
    const auto &g = r.gguf;
    std::printf("wrote %s: %s, %s, %.2f MB\n", g.path.c_str(), g.architecture.c_str(), r.mode.c_str(),
                double(g.fileBytes) / 1e6);
    if (g.tensors.empty())
        return;
    std::map<std::string, int> types;
    for (const auto &t : g.tensors)
        ++types[lieq::ggmlTypeName(t.type)];
    std::printf("tensor types:");
    for (const auto &[name, n] : types)
        std::printf(" %s x%d", name.c_str(), n);
    std::printf("\ndecoder linears: %.3f bits per weight in the file", g.linearBits);
    if (r.mode == "run")
        std::printf("; %d exact, %d re-quantized from the run's weights (added error below)", g.exact, g.requantized);
    std::printf("\n%-28s %5s %-6s %-12s %10s %10s  %s\n", "tensor", "bits", "type", "how", "nmse", "max|d|", "note");
    for (const auto &t : g.tensors)
        if (t.type != lieq::GgmlType::F32) // norms stay F32
            std::printf("%-28s %5d %-6s %-12s %10.3g %10.3g  %s\n", t.ggufName.c_str(), t.planBits,
                        lieq::ggmlTypeName(t.type), t.how.c_str(), t.nmse, t.maxAbs, t.note.c_str());
    if (r.check) {
        const auto &c = *r.check;
        std::printf("check on %lld tokens against %s:\n", static_cast<long long>(c.gguf.ppl.tokens),
                    c.referenceModel.c_str());
        std::printf("  GGUF weights: ppl %.4f, KL(FP16||GGUF) %.5f nats, top-1 %.3f\n", c.gguf.ppl.ppl,
                    c.gguf.kl ? c.gguf.kl->meanKl : 0.0, c.gguf.kl ? c.gguf.kl->top1Agreement : 0.0);
        if (c.run)
            std::printf("  the run:      ppl %.4f, KL(FP16||run)  %.5f nats, top-1 %.3f\n", c.run->ppl.ppl,
                        c.run->kl ? c.run->kl->meanKl : 0.0, c.run->kl ? c.run->kl->top1Agreement : 0.0);
    }
}

lieq::GgufQuantOptions ggufOptions(const Args &args)
{
    lieq::GgufQuantOptions o;
    if (args.has("embed-type"))
        o.embeddingType = lieq::ggufTypeFromName(args.value("embed-type"));
    if (args.has("output-type"))
        o.outputType = lieq::ggufTypeFromName(args.value("output-type"));
    o.name = args.value("name");
    return o;
}

lieq::GptqExportOptions gptqOptions(const Args &args)
{
    lieq::GptqExportOptions o;
    const std::string f = args.value("gptq-format", "auto");
    if (f == "v1")
        o.format = lieq::GptqFormat::V1;
    else if (f == "v2")
        o.format = lieq::GptqFormat::V2;
    else if (f != "auto")
        args.fail("--gptq-format must be auto, v1 or v2, not \"" + f + "\"");
    const long long mbytes = args.intValue("shard-size", 2000);
    if (mbytes <= 0)
        args.fail("--shard-size must be positive (MB)");
    o.shardBytes = std::uint64_t(mbytes) * 1000 * 1000;
    return o;
}

// A folder (model or run checkpoint) as the source: GGUF (optionally with a plan and a check)
// or GPTQ straight through the export jobs.
int exportFolder(const Args &args, lieq::jobs::JobContext &ctx, bool json)
{
    const std::string source = args.positionals()[0];
    nlohmann::json j = nlohmann::json::object();
    if (args.has("gguf")) {
        lieq::jobs::GgufExportRequest req;
        req.source = source;
        req.outPath = args.value("gguf");
        req.planPath = args.value("plan");
        const std::string type = args.value("type", "f16");
        if (type != "f16" && type != "f32")
            args.fail("--type must be f32 or f16, not \"" + type + "\"");
        req.plainType = type == "f32" ? lieq::GgmlType::F32 : lieq::GgmlType::F16;
        req.options = ggufOptions(args);
        if (args.has("verify")) {
            lieq::jobs::GgufCheckRequest c;
            c.data = args.value("verify");
            c.referenceModel = args.value("reference");
            c.seqlen = args.intValue("seqlen", 256);
            c.maxWindows = args.intValue("max-windows", 8);
            req.check = c;
        }
        const auto r = lieq::jobs::runGgufExport(req, ctx);
        if (json)
            j["gguf"] = nlohmann::json::parse(r.gguf.summaryJson());
        else
            printGguf(r);
    }
    if (args.has("gptq")) {
        const auto r = lieq::jobs::runGptqExport(source, args.value("gptq"), gptqOptions(args), ctx);
        if (json) {
            j["gptq"] = nlohmann::json::parse(r.gptq.summaryJson());
        } else {
            std::printf("wrote %s: GPTQ (%s), %d bits base, %.2f MB\n", r.gptq.dir.c_str(),
                        r.gptq.checkpointFormat.c_str(), r.gptq.baseBits, double(r.gptq.bytes) / 1e6);
            for (const auto &w : r.gptq.warnings)
                std::printf("warning: %s\n", w.c_str());
        }
    }
    if (json)
        std::printf("%s\n", j.dump(2).c_str());
    return 0;
}

int run(const Args &args)
{
    if (!args.has("gguf") && !args.has("gptq") && !args.has("bundle"))
        args.fail("choose --gguf OUT.gguf, --gptq OUT_DIR and/or --bundle OUT.zip");
    if (args.positionals().empty())
        args.fail("name a quantization run (q12), a run or model folder, or runs for --bundle");
    const auto common = args.common();
    lieq::cli::TerminalProgress bar(!common.quiet && !common.json);
    lieq::jobs::JobContext ctx = args.jobContext(bar);
    const std::string first = args.positionals()[0];
    if (std::filesystem::is_directory(first)) {
        if (args.has("bundle"))
            args.fail("--bundle takes stored runs (a3 q5), not a folder");
        const int rc = exportFolder(args, ctx, common.json);
        bar.finish();
        return rc;
    }
    if (args.has("plan") || args.has("type") || args.has("verify"))
        args.fail("--plan, --type and --verify apply to a folder; a stored run brings its own plan "
                  "(export its checkpoint folder to --verify)");
    const auto gui = lieq::ui::report::ensureGuiApplication();
    lieq::ui::bundle::RunExportRequest req;
    req.runs = lieq::exchange::parseRunRefs(args.positionals());
    req.ggufPath = args.value("gguf");
    req.gguf = ggufOptions(args);
    req.gptqDir = args.value("gptq");
    req.gptq = gptqOptions(args);
    req.bundlePath = args.value("bundle");
    req.bundleReport = !args.has("no-report");
    req.bundleCheckpoints = args.has("with-checkpoint");
    req.versions = {{"lieq", std::string(LIEQ_VERSION) + " (git " + LIEQ_GIT_HASH + ")"}, {"Qt", qVersion()}};
    const auto r = lieq::ui::bundle::runExports(req, ctx);
    bar.finish();
    if (common.json) {
        std::printf("%s\n", nlohmann::json::parse(r.summaryJson).dump(2).c_str());
        return 0;
    }
    for (const auto &l : r.lines)
        std::printf("wrote %s\n", l.c_str());
    for (const auto &w : r.warnings)
        std::printf("warning: %s\n", w.c_str());
    return 0;
}

const lieq::cli::CommandRegistration registration(run, R"(
lieq export RUN|FOLDER...
write a run or model as GGUF or GPTQ, or runs as a shareable bundle
--gguf OUT.gguf     llama.cpp GGUF with the plan's per-tensor types
--type TYPE         model folder without --plan: f16 (default) or f32
--plan PLAN.json    model folder: per-tensor types from this bit plan (ggml's quantizers)
--embed-type TYPE   token embeddings (and a tied output): q6_k (default), q8_0, f16, ...
--output-type TYPE  output.weight of untied models: q6_k (default), q8_0, f16, ...
--name NAME         general.name (default: the folder name)
--verify TEXT       folder source: evaluate the written GGUF's weights (and the run) on this text
--reference DIR     --verify: the FP16 model (default: the run's source model)
--seqlen N          --verify: window length (default 256)
--max-windows N     --verify: windows (default 8)
--gptq OUT_DIR      GPTQ checkpoint folder (vLLM, GPTQModel, transformers) of one run
--gptq-format FMT   auto (default: v1 unless a zero point is 0), v1 or v2
--shard-size MB     GPTQ safetensors shard size in MB (default 2000)
--bundle OUT.zip    zip of the runs: report, plans, metrics, rows for lieq import
--with-checkpoint   bundle: include each quantization run's checkpoint folder
--no-report         bundle: leave out report.html/report.pdf
)",
    {},
    "\nGGUF types per plan bits: 2 -> Q2_K, 3 -> Q3_K, 4 -> Q4_K, 8 -> Q8_0, kept -> F16; rows that are\n"
    "not a multiple of 256 fall back as llama.cpp does (K-quants -> Q4_0, Q6_K -> Q8_0). A run's\n"
    "weights are re-encoded with ggml's reference searches; the added error is printed per tensor.\n"
    "GPTQ: AutoGPTQ v1 packing for 2/3/4/8 bits, `dynamic` overrides for layers at other widths\n"
    "(matching HF and vLLM fused names); recent vLLM kernels load 4 and 8 bits only (warned).\n");

} // namespace
