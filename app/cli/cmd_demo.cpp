// `lieq demo`: the whole LieQ pipeline headless on the demo model, in a few minutes:
// analyze -> allocate at 2 + 2/L bits -> GPTQ -> evaluate against FP and uniform 2-bit ->
// plan, metrics (JSON/CSV) and an F16 GGUF of the model, printing where the outputs are.
// The model is the project's embedded one (resources/demo-model, trained by `lieq train-demo`)
// with its held-out validation.txt; ../shared/models/stories260K-hf with WikiText-2 remains a
// fallback for trees without it.
#include "app/cli/args.h"
#include "app/cli/command.h"
#include "app/cli/terminal_progress.h"
#include "core/alloc/plan_json.h"
#include "core/analysis/analysis_job.h"
#include "core/data/corpus.h"
#include "core/data/token_windows.h"
#include "core/eval/perplexity.h"
#include "core/io/checkpoint.h"
#include "core/io/gguf_export.h"
#include "core/model/model.h"
#include "core/quant/pipeline_job.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/atomic_file.h"
#include "core/util/demo_model.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The demo model: the positional argument, the embedded demo model (lieq::findDemoModel), then
// the shared stories260K checkpoint beside the source tree.
std::string findModel(const lieq::cli::Args &args)
{
    if (!args.positionals().empty())
        return args.positionals()[0];
    if (const fs::path demo = lieq::findDemoModel(); !demo.empty())
        return demo.string();
    const fs::path stories =
        fs::path(LIEQ_SOURCE_DIR) / ".." / "shared" / "models" / "stories260K-hf";
    if (fs::exists(stories / "config.json"))
        return fs::weakly_canonical(stories).string();
    std::string looked;
    for (const fs::path &c : lieq::demoModelCandidates()) {
        if (!looked.empty())
            looked += ", ";
        looked += c.string();
    }
    throw lieq::Error("lieq demo: no demo model found (looked in " + looked +
                      " and ../shared/models/stories260K-hf); pass a model folder");
}

// --data, else the model's own held-out text (the demo model ships validation.txt), else
// WikiText-2 test from ../shared.
std::string findData(const lieq::cli::Args &args, const std::string &modelDir)
{
    if (args.has("data"))
        return args.value("data");
    if (const fs::path own = fs::path(modelDir) / "validation.txt"; fs::exists(own))
        return own.string();
    const fs::path p = fs::path(LIEQ_SOURCE_DIR) / ".." / "shared" / "data" / "wikitext-2-raw" /
                       "wiki.test.hf_joined.txt";
    if (fs::exists(p))
        return fs::weakly_canonical(p).string();
    throw lieq::Error("lieq demo: no evaluation text found (" + modelDir +
                      "/validation.txt, ../shared/data/wikitext-2-raw/wiki.test.hf_joined.txt); "
                      "pass --data FILE");
}

json num(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

int runDemo(const std::vector<std::string> &argv)
{
    lieq::cli::Args args(
        "demo",
        {{"data", true,
          "calibration + evaluation text (default: the model's validation.txt, else WikiText-2 "
          "test from ../shared)",
          "FILE"},
         {"out", true, "output folder (default: ./lieq-demo)", "DIR"},
         {"store", true, "experiment store (default: the user's data folder)", "PATH"},
         {"seqlen", true, "window length (default 256)", "N"},
         {"samples", true, "calibration windows (default 32)", "N"},
         {"eval-windows", true, "evaluation windows (default 40)", "N"},
         {"quick", false, "small settings for a smoke run (8 windows each)", ""},
         {"threads", true, "compute threads (default 1: the demo model is small)", "N"},
         {"json", false, "print the summary as JSON", ""}},
        "[MODEL_DIR]");
    args.parse(argv);
    if (args.has("help")) {
        std::printf("%s", args.usage().c_str());
        return 0;
    }
    // One thread by default: on the tiny demo model each op is short, and with a second
    // OpenMP thread competing for a busy core the barriers dominate (measured on the shared
    // 2-core machine: --quick 11 s with 1 thread, 117 s with 2). --threads 0 = all cores.
    lieq::setComputeThreads(static_cast<int>(args.intValue("threads", 1)));
    const bool quick = args.has("quick");
    const std::string modelDir = findModel(args);
    const std::string data = findData(args, modelDir);
    const fs::path out = fs::absolute(args.value("out", "lieq-demo"));
    fs::create_directories(out);
    const std::int64_t seqlen = args.intValue("seqlen", 256);
    const std::int64_t samples = args.intValue("samples", quick ? 8 : 32);
    const std::int64_t evalWindows = args.intValue("eval-windows", quick ? 8 : 40);
    if (seqlen < 2 || samples < 1 || evalWindows < 1)
        throw lieq::Error("lieq demo: --seqlen must be at least 2, --samples and --eval-windows "
                          "at least 1");

    std::fprintf(stderr, "demo model: %s\nevaluation text: %s\n", modelDir.c_str(), data.c_str());
    lieq::cli::TerminalProgress bar;

    // 1. FP baseline perplexity.
    const lieq::Tokenizer tokenizer = lieq::Tokenizer::fromModelDir(modelDir);
    const lieq::Corpus corpus = lieq::Corpus::fromFile(data, {});
    const lieq::TokenWindows windows =
        lieq::TokenWindows::fromText(tokenizer, corpus.joined("\n\n"), seqlen, evalWindows);
    auto fpModel = lieq::Model::load(modelDir);
    const lieq::PerplexityResult fp = lieq::evaluatePerplexity(*fpModel, windows, {}, bar.callback());
    bar.finish();

    // 2. LieQ diagnostics (stored; an identical earlier run is reused).
    lieq::analysis::AnalysisRequest ar;
    ar.modelDir = modelDir;
    ar.calibration.path = data;
    ar.calibration.samples = samples;
    ar.calibration.seqlen = seqlen;
    ar.storePath = args.value("store");
    const lieq::analysis::AnalysisOutcome analysis =
        lieq::analysis::runAnalysis(ar, {}, bar.callback());
    bar.finish();
    std::vector<double> scores;
    for (const auto &l : analysis.result.layers)
        scores.push_back(l.dr);

    // 3. Allocation at the paper's setting: one 4-bit layer, 2 + 2/L bits.
    const lieq::ModelConfig &config = fpModel->config();
    const double budget = 2.0 + 2.0 / static_cast<double>(config.numLayers);
    const lieq::alloc::BitPlan lieqPlan = lieq::paperPlan(config, scores, budget);
    const lieq::alloc::BitPlan twoBit = lieq::uniformPlan(*fpModel, 2);
    fpModel.reset();

    // 4. GPTQ at the LieQ plan and uniform 2 bits, each evaluated on the same windows.
    auto quantize = [&](const lieq::alloc::BitPlan &plan, const std::string &name,
                        const std::string &saveDir) {
        lieq::QuantizeRequest q;
        q.modelDir = modelDir;
        q.plan = plan;
        q.planName = name;
        if (analysis.runId > 0)
            q.planSourceRunId = analysis.runId;
        q.calibration = ar.calibration;
        q.settings.method = lieq::QuantMethod::Gptq;
        q.outDir = saveDir;
        q.storePath = args.value("store");
        q.evalPplPath = data;
        q.evalSeqlen = seqlen;
        q.evalMaxWindows = evalWindows;
        lieq::QuantizeOutcome o = lieq::runQuantization(q, bar.callback());
        bar.finish();
        return o;
    };
    const lieq::QuantizeOutcome lq = quantize(lieqPlan, "demo-lieq", (out / "gptq-lieq").string());
    const lieq::QuantizeOutcome q2 = quantize(twoBit, "demo-uniform-2bit", {});

    // 5. Outputs: plan, metrics, F16 GGUF.
    lieq::alloc::savePlan(lieqPlan, (out / "plan.json").string());
    const lieq::Checkpoint ckpt(modelDir);
    lieq::GgufExportOptions go;
    go.type = lieq::GgmlType::F16;
    const lieq::GgufExportResult gguf =
        lieq::exportGguf(ckpt, (out / "model-f16.gguf").string(), go, bar.callback());
    bar.finish();

    json layers = json::array();
    std::ostringstream csv;
    csv.precision(10);
    csv << "layer,dppl,dr,dE,bits\n";
    const std::vector<int> bits = lieqPlan.layerBits();
    for (std::size_t i = 0; i < analysis.result.layers.size(); ++i) {
        const auto &l = analysis.result.layers[i];
        const int b = i < bits.size() ? bits[i] : 16;
        layers.push_back({{"layer", l.layer}, {"dppl", num(l.dppl)}, {"dr", num(l.dr)},
                          {"dE", num(l.dE)}, {"bits", b}});
        csv << l.layer << ',' << l.dppl << ',' << l.dr << ',' << l.dE << ',' << b << '\n';
    }
    const double pplLieq = lq.ppl ? lq.ppl->ppl : std::nan("");
    const double ppl2 = q2.ppl ? q2.ppl->ppl : std::nan("");
    const json summary{
        {"model", modelDir},
        {"data", data},
        {"seqlen", seqlen},
        {"eval_windows", windows.count},
        {"analysis_run", analysis.runId},
        {"store", analysis.storePath},
        {"budget_bits", budget},
        {"ppl", {{"fp", num(fp.ppl)}, {"lieq_gptq", num(pplLieq)}, {"uniform2_gptq", num(ppl2)}}},
        {"nominal_bits", {{"lieq", lieqPlan.nominalBits()}, {"uniform2", twoBit.nominalBits()}}},
        {"layers", layers},
        {"outputs",
         {{"plan", (out / "plan.json").string()},
          {"metrics_json", (out / "metrics.json").string()},
          {"metrics_csv", (out / "metrics.csv").string()},
          {"gguf_f16", gguf.path},
          {"quantized_checkpoint", lq.saved ? lq.saved->dir : std::string()}}}};
    lieq::writeFileAtomic((out / "metrics.json").string(), summary.dump(2) + "\n");
    lieq::writeFileAtomic((out / "metrics.csv").string(), csv.str());

    if (args.has("json")) {
        std::printf("%s\n", summary.dump(2).c_str());
        return 0;
    }
    std::printf("\nLieQ demo on %s (%lld layers)\n", modelDir.c_str(),
                static_cast<long long>(config.numLayers));
    std::printf("layer      dPPL        dr        dE  bits\n");
    for (const auto &l : layers)
        std::printf("%5d %9.4f %9.4f %9.4f %5d\n", l["layer"].get<int>(),
                    l["dppl"].is_null() ? NAN : l["dppl"].get<double>(),
                    l["dr"].is_null() ? NAN : l["dr"].get<double>(),
                    l["dE"].is_null() ? NAN : l["dE"].get<double>(), l["bits"].get<int>());
    std::printf("\nperplexity (%lld windows x %lld tokens)\n", static_cast<long long>(windows.count),
                static_cast<long long>(seqlen));
    std::printf("  FP                          %10.4f\n", fp.ppl);
    std::printf("  LieQ GPTQ %.3f bits         %10.4f\n", lieqPlan.nominalBits(), pplLieq);
    std::printf("  uniform GPTQ %.3f bits      %10.4f\n", twoBit.nominalBits(), ppl2);
    std::printf("\noutputs in %s:\n  plan.json, metrics.json, metrics.csv, model-f16.gguf%s\n",
                out.string().c_str(), lq.saved ? ", gptq-lieq/ (quantized checkpoint)" : "");
    return 0;
}

const lieq::cli::CommandRegistration reg({"demo",
                                          "whole pipeline on the demo model (analyze, allocate, "
                                          "GPTQ, evaluate, export)",
                                          runDemo});

} // namespace
