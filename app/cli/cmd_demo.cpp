// `lieq demo`: the whole LieQ pipeline headless on the demo model, in a few minutes:
// analyze -> allocate at 2 + 2/L bits -> GPTQ -> evaluate against FP and uniform 2-bit ->
// plan, metrics (JSON/CSV) and an F16 GGUF of the model, printing where the outputs are.
// The model is the project's embedded one (resources/demo-model, trained by `lieq train-demo`)
// with its held-out validation.txt; ../shared/models/stories260K-hf with WikiText-2 remains a
// fallback for trees without it.
#include "app/cli/command.h"
#include "app/cli/terminal_progress.h"
#include "core/jobs/demo_job.h"

#include <cmath>
#include <cstdio>
#include <filesystem>

namespace {

using lieq::cli::Args;

void printSummary(const lieq::jobs::DemoResult &d)
{
    std::printf("\nLieQ demo on %s (%lld layers)\n", d.modelDir.c_str(),
                static_cast<long long>(d.numLayers));
    std::printf("layer      dPPL        dr        dE  bits\n");
    for (const auto &l : d.layers)
        std::printf("%5d %9.4f %9.4f %9.4f %5d\n", l.layer, l.dppl, l.dr, l.dE, l.bits);
    std::printf("\nperplexity (%lld windows x %lld tokens)\n", static_cast<long long>(d.evalWindows),
                static_cast<long long>(d.seqlen));
    std::printf("  FP                          %10.4f\n", d.pplFp);
    std::printf("  LieQ GPTQ %.3f bits         %10.4f\n", d.nominalBitsLieq, d.pplLieq);
    std::printf("  uniform GPTQ %.3f bits      %10.4f\n", d.nominalBitsUniform2, d.pplUniform2);
    if (d.comparison)
        std::fputs(lieq::jobs::formatPlanComparison(*d.comparison).c_str(), stdout);
    std::printf("\noutputs in %s:\n  plan.json, metrics.json, metrics.csv, model-f16.gguf%s\n",
                std::filesystem::path(d.planPath).parent_path().c_str(),
                d.quantizedCheckpoint.empty() ? "" : ", gptq-lieq/ (quantized checkpoint)");
}

int run(const Args &args)
{
    lieq::jobs::DemoRequest req;
    if (!args.positionals().empty())
        req.modelDir = args.positionals().front();
    else
        req.modelDir = lieq::jobs::findDemoModelDir();
    req.data = args.has("data") ? args.value("data") : lieq::jobs::findDemoData(req.modelDir);
    req.outDir = args.value("out", req.outDir);
    const bool quick = args.has("quick");
    req.seqlen = args.intValue("seqlen", req.seqlen);
    req.samples = args.intValue("samples", quick ? 8 : req.samples);
    req.evalWindows = args.intValue("eval-windows", quick ? 8 : req.evalWindows);
    req.comparePlans = !args.has("no-compare");
    std::fprintf(stderr, "demo model: %s\nevaluation text: %s\n", req.modelDir.c_str(),
                 req.data.c_str());

    lieq::cli::TerminalProgress bar(!args.common().quiet);
    const lieq::jobs::DemoResult d = lieq::jobs::runDemo(req, args.jobContext(bar));
    bar.finish();
    if (args.common().json)
        std::printf("%s\n", d.summaryJson.c_str());
    else
        printSummary(d);
    return 0;
}

const lieq::cli::CommandRegistration registration(run, R"(
lieq demo [MODEL_DIR]
whole pipeline on the demo model (analyze, allocate, GPTQ, evaluate, export)
--data FILE         calibration + evaluation text (default: the model's validation.txt, else
                    WikiText-2 test from ../shared)
--out DIR           output folder (default: ./lieq-demo)
--seqlen N          window length (default 256)
--samples N         calibration windows (default 32)
--eval-windows N    evaluation windows (default 40)
--quick             small settings for a smoke run (8 windows each)
--no-compare        skip the closing comparison of every predictor's and baseline rule's plan
)",
    {},
    // One thread by default: on the tiny demo model each op is short, and a second thread
    // competing for a busy core costs more than it computes (measured on the shared 2-core
    // machine: --quick 11 s with 1 thread, 117 s with 2).
    "\nDefault --threads 1 (the demo model is small); --threads 0 uses all cores.\n",
    {/*store=*/true, /*threads=*/1});

} // namespace
