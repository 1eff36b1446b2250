// `lieq quantize MODEL --plan PLAN.json | --budget B | --bits N --method rtn|gptq|awq --calib FILE`:
// the sequential quantization pipeline at per-layer bits, with the plan chosen from a file, from
// LieQ layer scores under an average-bit budget (the paper's rule; scores from a stored analysis
// run, a scores file, or a fresh/reused `lieq analyze` run on the calibration text), or uniform.
// Stores the plan and the quant run, optionally saves the quantized folder and evaluates it.
#include "app/cli/args.h"
#include "app/cli/command.h"
#include "app/cli/terminal_progress.h"
#include "core/alloc/plan_json.h"
#include "core/alloc/scores_file.h"
#include "core/analysis/analysis_job.h"
#include "core/model/model.h"
#include "core/quant/layer_scores.h"
#include "core/quant/pipeline_job.h"
#include "core/store/experiment_store.h"
#include "core/tasks/task_loaders.h"
#include "core/tasks/zero_shot.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

namespace {

using lieq::cli::Args;
using nlohmann::json;

std::vector<std::string> splitList(const std::string &list)
{
    std::vector<std::string> out;
    std::stringstream ss(list);
    std::string item;
    while (std::getline(ss, item, ','))
        if (!item.empty())
            out.push_back(item);
    return out;
}

double layerMetric(const lieq::analysis::LayerDiagnostics &l, const std::string &metric)
{
    return metric == "dr" ? l.dr : metric == "dE" ? l.dE : l.dppl; // canonical names
}

struct ChosenPlan
{
    lieq::alloc::BitPlan plan;
    std::optional<std::int64_t> sourceRun;
    std::string name;
    std::vector<double> scores;
};

ChosenPlan choosePlan(const Args &args, const std::string &modelDir, const lieq::ModelConfig &cfg,
                      const lieq::cli::TerminalProgress &, const lieq::ProgressFn &progress)
{
    ChosenPlan c;
    const int modes = int(args.has("plan")) + int(args.has("budget")) + int(args.has("bits"));
    if (modes != 1)
        throw lieq::Error("lieq quantize: give exactly one of --plan FILE, --budget B or --bits N");
    if (args.has("plan")) {
        c.plan = lieq::alloc::loadPlan(args.value("plan"));
        c.name = args.value("plan");
        return c;
    }
    if (args.has("bits")) {
        const auto model = lieq::Model::load(modelDir);
        c.plan = lieq::uniformPlan(*model, static_cast<int>(args.intValue("bits", 4)));
        c.name = "uniform " + args.value("bits");
        return c;
    }
    const std::string metric = lieq::canonicalScoreMetric(args.value("score-metric", "dr"));
    if (args.has("scores")) {
        const lieq::alloc::ScoresInput in = lieq::alloc::loadScores(args.value("scores"));
        c.scores.assign(static_cast<std::size_t>(cfg.numLayers),
                        std::numeric_limits<double>::quiet_NaN());
        for (const auto &l : in.layers)
            if (l.index >= 0 && l.index < cfg.numLayers)
                c.scores[static_cast<std::size_t>(l.index)] = l.score;
        c.name = "scores " + args.value("scores");
    } else {
        lieq::analysis::DiagnosticsResult r;
        if (args.has("scores-run")) {
            const lieq::StoredLayerScores stored = lieq::loadStoredLayerScores(
                args.value("store"), args.intValue("scores-run", 0), metric);
            c.scores = stored.scores;
            c.sourceRun = stored.runId;
        } else {
            // The scores of `lieq analyze MODEL --data CALIB` (same defaults), reused when stored.
            lieq::analysis::AnalysisRequest req;
            req.modelDir = modelDir;
            req.calibration.path = args.value("calib");
            req.calibration.field = args.value("field");
            req.calibration.samples = args.intValue("analysis-samples", 32);
            req.calibration.seqlen = args.intValue("analysis-seqlen", 512);
            req.calibration.seed = static_cast<std::uint64_t>(args.intValue("seed", 0));
            req.settings.initSeed = req.calibration.seed;
            if (metric != "dppl")
                req.settings.setMetrics(args.value("analysis-metrics", "dppl,compact,energy"));
            req.useStore = !args.has("no-store");
            req.storePath = args.value("store");
            const auto outcome = lieq::analysis::runAnalysis(req, {}, progress);
            r = outcome.result;
            if (outcome.runId > 0)
                c.sourceRun = outcome.runId;
            std::fprintf(stderr, "scores: analysis run %lld%s\n",
                         static_cast<long long>(outcome.runId),
                         outcome.reused ? " (reused)" : "");
        }
        if (!args.has("scores-run"))
            for (const auto &l : r.layers)
                c.scores.push_back(layerMetric(l, metric));
        c.name = "lieq " + metric;
    }
    if (static_cast<std::int64_t>(c.scores.size()) != cfg.numLayers ||
        std::any_of(c.scores.begin(), c.scores.end(), [](double v) { return !std::isfinite(v); }))
        throw lieq::Error("lieq quantize: the scores do not give a finite " + metric +
                          " for each of the model's " + std::to_string(cfg.numLayers) + " layers");
    const bool invert = args.has("invert-scores"); // protect the lowest-scored layers (ablation)
    if (invert)
        c.name += " inverted";
    c.plan = lieq::paperPlan(cfg, c.scores, args.doubleValue("budget", 2.0), invert);
    return c;
}

json moduleJson(const lieq::ModuleReport &m)
{
    json j{{"layer", m.layer}, {"module", m.module}, {"bits", m.bits}, {"kind", m.kind},
           {"output_error", m.outputError}, {"relative_error", m.relativeError},
           {"backend_loss", m.backendLoss}, {"seconds", m.seconds}};
    if (m.awqAlpha >= 0)
        j["awq_alpha"] = m.awqAlpha;
    return j;
}

int run(const std::vector<std::string> &argv)
{
    Args args("quantize",
              {{"plan", true, "bit plan JSON (lieq allocate --out)", "FILE"},
               {"budget", true, "average bits in [2, 4]: LieQ allocation (paper rule)", "B"},
               {"bits", true, "uniform plan: every layer at N bits (2, 3, 4, 8)", "N"},
               {"scores-run", true, "with --budget: scores from this stored analysis run", "ID"},
               {"scores", true, "with --budget: scores from a JSON/CSV file", "FILE"},
               {"score-metric", true, "dr (default), dE (energy) or dppl (the oracle)", "M"},
               {"invert-scores", false, "protect the lowest-scored layers instead (ablation)"},
               {"analysis-samples", true, "windows of the scoring analysis (default 32)", "N"},
               {"analysis-seqlen", true, "tokens per analysis window (default 512)", "S"},
               {"analysis-metrics", true, "metrics of the scoring analysis (default all)", "L"},
               {"method", true, "rtn | gptq | awq (default gptq)", "M"},
               {"group", true, "group size along input features (default 128; -1 per row)", "G"},
               {"sym", false, "symmetric grids"},
               {"act-order", false, "GPTQ: columns by decreasing Hessian diagonal"},
               {"static-groups", false, "GPTQ: group grids fixed before the updates"},
               {"damp", true, "GPTQ damping fraction of mean diag(H) (default 0.01)", "X"},
               {"no-clip", false, "AWQ: no clipping search"},
               {"no-propagate", false, "calibrate layer l+1 on float outputs of layer l"},
               {"calib", true, "calibration text: plain text or JSONL", "FILE"},
               {"field", true, "JSONL field of --calib (default \"text\")", "F"},
               {"samples", true, "calibration windows (default 32)", "N"},
               {"seqlen", true, "tokens per calibration window (default 512)", "S"},
               {"seed", true, "seed of the calibration windows (default 0)", "N"},
               {"out", true, "save the quantized checkpoint folder here", "DIR"},
               {"eval-ppl", true, "then: perplexity on this text (GPTQ protocol)", "FILE"},
               {"eval-seqlen", true, "perplexity window (default --seqlen)", "S"},
               {"max-windows", true, "perplexity on at most N windows", "N"},
               {"tasks", true, "then: zero-shot tasks piqa,arc_e,arc_c,hellaswag,winogrande,boolq",
                "LIST"},
               {"limit", true, "score at most N items per task", "N"},
               {"data-dir", true, "task data folder (default ../shared/data)", "DIR"},
               {"store", true, "experiment store (default $LIEQ_STORE)", "PATH"},
               {"no-store", false, "do not record the run"},
               {"device", true, "auto | cpu | cuda (default auto)", "NAME"},
               {"stream", false, "stream layers even when the model fits in memory"},
               {"threads", true, "compute threads (default: all cores)", "N"},
               {"json", false, "machine-readable result on stdout"},
               {"quiet", false, "no progress bar"},
               {"help", false, "show this help"}},
              "MODEL_DIR");
    args.parse(argv);
    if (args.has("help")) {
        std::printf("%s", args.usage().c_str());
        return 0;
    }
    lieq::setComputeThreads(static_cast<int>(args.intValue("threads", 0)));
    lieq::QuantizeRequest req;
    req.modelDir = args.positional(0, "MODEL_DIR");
    if (!args.has("calib"))
        throw lieq::Error("lieq quantize: --calib FILE is required (calibration text)");
    req.calibration.path = args.value("calib");
    req.calibration.field = args.value("field");
    req.calibration.samples = args.intValue("samples", 32);
    req.calibration.seqlen = args.intValue("seqlen", 512);
    const long long seed = args.intValue("seed", 0);
    if (seed < 0)
        throw lieq::Error("lieq quantize: --seed must not be negative");
    req.calibration.seed = static_cast<std::uint64_t>(seed);
    lieq::PipelineSettings &s = req.settings;
    s.method = lieq::quantMethodFromName(args.value("method", "gptq"));
    s.groupSize = static_cast<int>(args.intValue("group", 128));
    s.symmetric = args.has("sym");
    s.actOrder = args.has("act-order");
    s.staticGroups = args.has("static-groups");
    s.dampPercent = args.doubleValue("damp", 0.01);
    s.awqClip = !args.has("no-clip");
    s.propagateQuantized = !args.has("no-propagate");
    req.outDir = args.value("out");
    req.useStore = !args.has("no-store");
    req.storePath = args.value("store");
    req.modelOptions.device = args.value("device", "auto");
    if (args.has("stream"))
        req.modelOptions.residentBudgetBytes = 0;
    req.evalPplPath = args.value("eval-ppl");
    req.evalSeqlen = args.intValue("eval-seqlen", 0);
    req.evalMaxWindows = args.intValue("max-windows", -1);

    std::vector<lieq::TaskData> tasks; // loaded first: a bad data file fails before compute
    const std::string dataDir = args.value("data-dir", "../shared/data");
    for (const std::string &t : splitList(args.value("tasks")))
        tasks.push_back(lieq::loadTask(lieq::canonicalTaskName(t), dataDir));

    lieq::cli::TerminalProgress bar(!args.has("quiet"));
    const lieq::ModelConfig cfg = lieq::Model::load(req.modelDir)->config();
    ChosenPlan chosen = choosePlan(args, req.modelDir, cfg, bar, bar.callback());
    req.plan = chosen.plan;
    req.planName = chosen.name;
    req.planSourceRunId = chosen.sourceRun;

    lieq::QuantizeOutcome out = lieq::runQuantization(req, bar.callback());
    std::vector<lieq::TaskResult> taskResults;
    if (!tasks.empty()) {
        const lieq::Tokenizer tok = lieq::Tokenizer::fromModelDir(req.modelDir);
        lieq::ZeroShotOptions zo;
        zo.limit = args.intValue("limit", -1);
        for (const lieq::TaskData &t : tasks)
            taskResults.push_back(lieq::evaluateTask(*out.model, tok, t, zo, bar.callback()));
        if (out.runId > 0) {
            lieq::store::ExperimentStore st(out.storePath);
            std::vector<lieq::store::EvalResult> rows;
            for (const auto &t : taskResults)
                for (const char *metric : {"acc", "acc_norm"}) {
                    lieq::store::EvalResult e;
                    e.modelId = out.modelId;
                    e.quantRunId = out.runId;
                    e.task = t.task;
                    e.metric = metric;
                    const bool norm = std::string(metric) == "acc_norm";
                    e.value = norm ? t.accNorm : t.acc;
                    e.stderrValue = norm ? t.accNormStderr : t.accStderr;
                    e.n = t.n;
                    e.settingsJson = json{{"limit", zo.limit}}.dump();
                    rows.push_back(e);
                }
            st.addEvalResults(rows);
        }
    }
    bar.finish();

    const lieq::PipelineResult &r = out.result;
    const std::vector<int> layerBits = req.plan.layerBits();
    if (args.has("json")) {
        json mods = json::array();
        for (const auto &m : r.modules)
            mods.push_back(moduleJson(m));
        json j{{"model", req.modelDir},
               {"method", lieq::quantMethodName(s.method)},
               {"settings", json::parse(s.json())},
               {"plan", {{"name", chosen.name}, {"layer_bits", layerBits},
                         {"nominal_bits", r.nominalBits}, {"scores", chosen.scores}}},
               {"run_id", out.runId}, {"plan_id", out.planId}, {"store", out.storePath},
               {"calibration", {{"path", req.calibration.path},
                                {"samples", req.calibration.samples},
                                {"seqlen", req.calibration.seqlen},
                                {"seed", req.calibration.seed},
                                {"tokens", r.calibrationTokens}}},
               {"timings", {{"capture_s", r.captureSeconds}, {"quantize_s", r.quantizeSeconds},
                            {"forward_s", r.forwardSeconds}, {"pipeline_s", r.totalSeconds},
                            {"layer_forwards", r.layerForwards}, {"total_s", out.totalSeconds}}},
               {"modules", mods}};
        if (chosen.sourceRun)
            j["plan"]["source_run"] = *chosen.sourceRun;
        if (out.saved)
            j["output"] = {{"dir", out.saved->dir}, {"bytes", out.saved->bytes}};
        if (out.ppl)
            j["ppl"] = {{"data", req.evalPplPath}, {"ppl", out.ppl->ppl},
                        {"windows", out.ppl->windows}, {"seqlen", out.ppl->seqlen}};
        json tj = json::array();
        for (const auto &t : taskResults)
            tj.push_back({{"task", t.task}, {"n", t.n}, {"acc", t.acc},
                          {"acc_norm", t.accNorm}});
        if (!tj.empty())
            j["tasks"] = tj;
        std::printf("%s\n", j.dump(2).c_str());
        return 0;
    }
    std::printf("%s, plan \"%s\": layer bits", lieq::quantMethodName(s.method).c_str(),
                chosen.name.c_str());
    for (int b : layerBits)
        std::printf(" %d", b);
    std::printf("  (%.4f bits nominal)\n", r.nominalBits);
    std::printf("layer module     bits   rel.err   seconds\n");
    for (const auto &m : r.modules)
        std::printf("%5d %-10s %4d %9.5f %9.3f\n", m.layer, m.module.c_str(), m.bits,
                    m.relativeError, m.seconds);
    std::printf("calibration %lld tokens; %lld layer forwards; capture %.2f s, quantize %.2f s, "
                "forward %.2f s, pipeline %.2f s\n",
                static_cast<long long>(r.calibrationTokens),
                static_cast<long long>(r.layerForwards), r.captureSeconds, r.quantizeSeconds,
                r.forwardSeconds, r.totalSeconds);
    if (out.runId > 0)
        std::printf("stored quant run %lld (plan %lld) in %s\n", static_cast<long long>(out.runId),
                    static_cast<long long>(out.planId), out.storePath.c_str());
    if (out.saved)
        std::printf("saved %s (%lld bytes)\n", out.saved->dir.c_str(),
                    static_cast<long long>(out.saved->bytes));
    if (out.ppl)
        std::printf("perplexity %.4f  (%lld windows x %lld tokens)\n", out.ppl->ppl,
                    static_cast<long long>(out.ppl->windows),
                    static_cast<long long>(out.ppl->seqlen));
    for (const auto &t : taskResults)
        std::printf("%-14s n=%lld acc %.4f acc_norm %.4f\n", t.task.c_str(),
                    static_cast<long long>(t.n), t.acc, t.accNorm);
    return 0;
}

const lieq::cli::CommandRegistration registration(
    {"quantize", "quantize at per-layer bits (LieQ plan, file, or uniform) with RTN, GPTQ or AWQ",
     run});

} // namespace
