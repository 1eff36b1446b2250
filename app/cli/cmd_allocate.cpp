// `lieq allocate [MODEL_DIR] --scores FILE | --scores-run ID [--score-metric dr|dE|dppl]
// [--invert-scores] --budget B [--pin L=BITS ...] [--bits 2,4]`: a bit plan from per-layer scores
// (a layer table from `lieq analyze`, or a stored analysis run with the model's real layer
// shapes), with its nominal/effective bits and the size of each export format. --score-metric
// dppl gives the oracle plan, --invert-scores the plan protecting the lowest-scored layers.
#include "app/cli/command.h"
#include "app/cli/option_groups.h"
#include "app/cli/terminal_progress.h"
#include "core/alloc/allocator.h"
#include "core/alloc/plan_json.h"
#include "core/alloc/plan_report.h"
#include "core/alloc/size_estimate.h"
#include "core/jobs/plan_job.h"
#include "core/jobs/plan_rules.h"

#include <cstdio>

namespace {

using lieq::cli::Args;
using namespace lieq::alloc;

const char *kFormatHelp =
    "\nScores file: the layer table `lieq analyze --csv FILE` / `--out FILE` writes (CSV or JSON):\n"
    "  CSV:  a header naming the columns, one row per layer ('#' starts a comment line):\n"
    "        layer,params,dppl,ppl_skipped,dr,dE,compact,compact_random\n"
    "        params = weights of the layer's decoder linears; the score is the column named by\n"
    "        --score-metric (dr by default), or a single \"score\" column in a hand-made file.\n"
    "  JSON: {\"layers\": [{\"layer\": 0, \"params\": 1769472, \"dr\": 0.31, \"dE\": 0.12, ...,\n"
    "          \"linears\": [{\"name\": \"q_proj\", \"rows\": 1024, \"cols\": 1024}, ...]}, ...],\n"
    "         \"other_params\": 155582464}\n"
    "        linears (out = rows, in = cols) are optional; they make sizes exact and allow\n"
    "        --per-projection (with MODEL_DIR the model's shapes are used). other_params\n"
    "        (embeddings, norms, lm_head) count as fp16 in the file sizes.\n"
    "Stored analysis: --scores-run ID (from lieq analyze; --store PATH) with --score-metric\n"
    "  dr (compactness, LieQ; default), dE (energy) or dppl (measured: the oracle plan). The\n"
    "  layer shapes come from MODEL_DIR, or from the analysed model's folder.\n"
    "--invert-scores protects the lowest-scored layers instead (the ablation of LieQ).\n"
    "Higher score = more important (LieQ's dr). Without --budget the paper's main setting,\n"
    "one 4-bit layer (2 + 2/L bits), is used. Methods: paper (default with two bit-widths),\n"
    "knapsack (exact optimum of score-weighted precision; default otherwise: measured\n"
    "per projection group, greedy reaches ~99% of its gain at best and 84% at worst, and\n"
    "it takes milliseconds), greedy\n"
    "(plans nested across budgets: more budget never lowers a layer, but may leave some\n"
    "budget unused; the exact knapsack can trade two 4-bit layers for one 8-bit layer).\n"
    "Pins: --pin 3=4 forces layer 3 to 4 bits, --pin 0=16 keeps layer 0 in fp16; pinned\n"
    "layers count toward the budget.\n"
    "Rules (issue 16's baselines at the same budget, no scores needed): llama-cpp (llama.cpp's\n"
    "layer heuristic), first / last (the first or last layers high), random (seeded), measured\n"
    "(knapsack on the gains of a stored `lieq measure` run).\n";

int run(const Args &args)
{
    const lieq::jobs::ScoreSource source = lieq::cli::readScoreSource(args);
    const std::string modelDir = args.positionals().empty() ? std::string() : args.positionals().front();
    // Baseline rules (llama-cpp, first, last, random) and the measured knapsack need no scores:
    // the model's layers are enough.
    const std::string rule = args.value("method", "");
    const bool isRule = lieq::jobs::isRulePlanMethod(rule);
    const bool hasScores = !source.tableFile.empty() || source.analysisRun;
    if (isRule && modelDir.empty() && !hasScores)
        args.fail("--method " + rule + " needs MODEL_DIR (or a layer table)\n" + args.usage());
    if (!isRule && !hasScores)
        args.fail("give one of --scores FILE or --scores-run ID\n" + args.usage());
    lieq::cli::TerminalProgress bar(!args.common().quiet);
    const lieq::jobs::ScoredLayers in = hasScores
                                            ? lieq::jobs::scoreLayers(source, modelDir, args.jobContext(bar))
                                            : lieq::jobs::modelLayers(modelDir);

    AllocationRequest r;
    r.layers = in.layers;
    r.protectLowest = source.invert;
    r.bitSet = parseBitSet(args.value("bits", "2,4"));
    r.pins = parsePins(args.values("pin"));
    r.perProjection = args.has("per-projection");
    r.fuseGroups = !args.has("no-fuse");
    const double lo = r.bitSet.front(), hi = r.bitSet.back();
    r.budget = args.doubleValue("budget", lo + (hi - lo) / double(r.layers.size()));
    r.method = args.has("method") && !isRule ? methodFromName(args.value("method")) : defaultMethod(r.bitSet);
    lieq::jobs::RulePlanRequest rp{rule, std::uint64_t(args.intValue("rule-seed", 1)), std::nullopt};
    if (args.has("measure-run"))
        rp.measureRun = args.intValue("measure-run", 0);
    const BitPlan plan = isRule ? lieq::jobs::rulePlan(rp, r, args.jobContext(bar)) : allocate(r);

    GptqOptions gptq;
    gptq.groupSize = int(args.intValue("group", 128));
    gptq.symmetric = args.has("sym");
    const std::vector<SizeEstimate> sizes{estimateGguf(plan, in.otherParams),
                                          estimateGptq(plan, gptq, in.otherParams)};
    if (args.has("out"))
        savePlan(plan, args.value("out"));
    if (args.common().json) {
        std::printf("%s", planReportJson(plan, sizes).c_str());
        return 0;
    }
    std::printf("%s", formatPlanTable(plan, sizes).c_str());
    std::printf("scores: %s%s\n", in.source.c_str(),
                r.protectLowest ? ", lowest-scored layers protected" : "");
    if (args.has("out"))
        std::printf("plan written to %s\n", args.value("out").c_str());
    return 0;
}

const lieq::cli::CommandRegistration registration(run, R"(
lieq allocate [MODEL_DIR]
bit plan from layer scores under an average-bit budget
--budget BITS       average bits over decoder linears (default 2 + 2/L)
--pin L=BITS        LAYER=BITS, bits in 2,3,4,8,16 (repeatable)
--bits LIST         allowed bit-widths from 2,3,4,8 (default 2,4)
--method NAME       paper | knapsack | greedy, or a rule without scores: llama-cpp |
                    first | last | random | measured (needs --measure-run)
--rule-seed N       seed of --method random (default 1)
--measure-run ID    stored `lieq measure` run for --method measured
--per-projection    allocate per projection group instead of per layer
--no-fuse           with --per-projection: q/k/v and gate/up may differ
--group N           GPTQ group size for the size estimate (default 128)
--sym               symmetric GPTQ grid in the effective bits
--out PLAN.json     write the plan as JSON
)",
    {lieq::cli::scoreOptions()},
    kFormatHelp);

} // namespace
