// `lieq allocate --scores FILE --budget B [--pin L=BITS ...] [--bits 2,4]`: a bit plan from
// per-layer scores, with its nominal/effective bits and the size of each export format.
// (Taking a MODEL and running the analysis first comes with the analysis command.)
#include "app/cli/args.h"
#include "app/cli/command.h"
#include "core/alloc/allocator.h"
#include "core/alloc/plan_json.h"
#include "core/alloc/plan_report.h"
#include "core/alloc/scores_file.h"
#include "core/alloc/size_estimate.h"
#include "core/util/error.h"

#include <cstdio>

namespace {

using lieq::cli::Args;
using namespace lieq::alloc;

const char *kFormatHelp =
    "\nScores file (JSON or CSV):\n"
    "  CSV:  a header with the columns layer,score,params (any order), one row per layer;\n"
    "        '#' starts a comment line. params = weights of the layer's decoder linears.\n"
    "  JSON: {\"layers\": [{\"layer\": 0, \"score\": 0.31, \"params\": 1769472,\n"
    "          \"linears\": [{\"name\": \"q_proj\", \"rows\": 1024, \"cols\": 1024,\n"
    "                       \"score\": 0.2}, ...]}, ...],\n"
    "         \"otherParams\": 155582464}\n"
    "        linears (out = rows, in = cols) are optional; they make sizes exact and allow\n"
    "        --per-projection. otherParams (embeddings, norms, lm_head) count as fp16 in the\n"
    "        file sizes.\n"
    "Higher score = more important (LieQ's dr). Without --budget the paper's main setting,\n"
    "one 4-bit layer (2 + 2/L bits), is used. Methods: paper (default with two bit-widths),\n"
    "knapsack (exact optimum of score-weighted precision; default otherwise), greedy\n"
    "(plans nested across budgets: more budget never lowers a layer, but may leave some\n"
    "budget unused; the exact knapsack can trade two 4-bit layers for one 8-bit layer).\n"
    "Pins: --pin 3=4 forces layer 3 to 4 bits, --pin 0=16 keeps layer 0 in fp16; pinned\n"
    "layers count toward the budget.\n";

int run(const std::vector<std::string> &argv)
{
    Args args("allocate",
              {{"scores", true, "per-layer scores and sizes (see below)", "FILE"},
               {"budget", true, "average bits over decoder linears (default 2 + 2/L)", "BITS"},
               {"pin", true, "LAYER=BITS, bits in 2,3,4,8,16 (repeatable)", "L=BITS"},
               {"bits", true, "allowed bit-widths from 2,3,4,8 (default 2,4)", "LIST"},
               {"method", true, "paper | knapsack | greedy", "NAME"},
               {"per-projection", false, "allocate per projection group instead of per layer"},
               {"no-fuse", false, "with --per-projection: q/k/v and gate/up may differ"},
               {"group", true, "GPTQ group size for the size estimate (default 128)", "N"},
               {"sym", false, "symmetric GPTQ grid in the effective bits"},
               {"json", false, "plan and size estimates as JSON on stdout"},
               {"out", true, "write the plan as JSON", "PLAN.json"}});
    args.parse(argv);
    if (args.has("help")) {
        std::printf("%s%s", args.usage().c_str(), kFormatHelp);
        return 0;
    }
    if (!args.has("scores"))
        throw lieq::Error("lieq allocate: --scores FILE is required\n" + args.usage());

    const ScoresInput in = loadScores(args.value("scores"));
    AllocationRequest r;
    r.layers = in.layers;
    r.bitSet = parseBitSet(args.value("bits", "2,4"));
    r.pins = parsePins(args.values("pin"));
    r.perProjection = args.has("per-projection");
    r.fuseGroups = !args.has("no-fuse");
    const double lo = r.bitSet.front(), hi = r.bitSet.back();
    r.budget = args.doubleValue("budget", lo + (hi - lo) / double(r.layers.size()));
    r.method = args.has("method") ? methodFromName(args.value("method"))
                                  : (r.bitSet.size() == 2 ? AllocMethod::Paper
                                                          : AllocMethod::Knapsack);
    const BitPlan plan = allocate(r);

    GptqOptions gptq;
    gptq.groupSize = int(args.intValue("group", 128));
    gptq.symmetric = args.has("sym");
    const std::vector<SizeEstimate> sizes{estimateGguf(plan, in.otherParams),
                                          estimateGptq(plan, gptq, in.otherParams)};
    if (args.has("out"))
        savePlan(plan, args.value("out"));
    if (args.has("json"))
        std::printf("%s", planReportJson(plan, sizes).c_str());
    else
        std::printf("%s", formatPlanTable(plan, sizes).c_str());
    if (args.has("out") && !args.has("json"))
        std::printf("plan written to %s\n", args.value("out").c_str());
    return 0;
}

const lieq::cli::CommandRegistration registration(
    {"allocate", "bit plan from layer scores under an average-bit budget", run});

} // namespace
