// `lieq analyze`: the LieQ layer diagnostics (dPPL, compactness dr, top-k energy dE) on
// calibration text, stored in the experiment store, printed as a per-layer table with the
// correlations between dPPL and dr / dE.
#include "app/cli/args.h"
#include "app/cli/command.h"
#include "app/cli/terminal_progress.h"
#include "core/analysis/analysis_job.h"
#include "core/analysis/diagnostics_correlation.h"
#include "core/model/model.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <sstream>

namespace {

using namespace lieq::analysis;
using lieq::cli::Args;
using nlohmann::json;

json number(double v)
{
    return std::isfinite(v) ? json(v) : json(nullptr);
}

std::string cell(double v, const char *fmt = "%10.4f")
{
    if (!std::isfinite(v))
        return "         -";
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, v);
    return buf;
}

json projectionJson(const ProjectionDiagnostics &p)
{
    json j{{"projection", p.projection}, {"rank", p.rank}, {"k", p.k},
           {"compact", number(p.compactTrained)}, {"compact_random", number(p.compactRandom)},
           {"dr", number(p.dr)}, {"energy", number(p.energyTrained)},
           {"energy_random", number(p.energyRandom)}, {"dE", number(p.dE)}};
    if (p.head >= 0)
        j["head"] = p.head;
    if (!p.route.empty())
        j["route"] = p.route;
    return j;
}

json correlationJson(const MetricCorrelation &c)
{
    auto one = [](const lieq::analysis::Correlation &r, const ConfidenceInterval &ci) {
        return json{{"coefficient", number(r.coefficient)}, {"p_value", number(r.pValue)},
                    {"p_method", r.pMethod}, {"ci_low", number(ci.low)},
                    {"ci_high", number(ci.high)}, {"ci_level", ci.level},
                    {"bootstrap", ci.resamples}, {"bootstrap_seed", ci.seed}};
    };
    return json{{"x", c.x}, {"y", c.y}, {"n", c.n},
                {"pearson", one(c.pearson, c.pearsonCi)},
                {"spearman", one(c.spearman, c.spearmanCi)},
                {"kendall", one(c.kendall, c.kendallCi)}};
}

json outcomeJson(const AnalysisOutcome &o, const std::vector<MetricCorrelation> &corr)
{
    const DiagnosticsResult &r = o.result;
    json layers = json::array();
    for (const LayerDiagnostics &l : r.layers) {
        json pj = json::array(), hj = json::array();
        for (const auto &p : l.projections)
            pj.push_back(projectionJson(p));
        for (const auto &p : l.heads)
            hj.push_back(projectionJson(p));
        json lj{{"layer", l.layer}, {"dppl", number(l.dppl)}, {"ppl_skipped", number(l.pplSkipped)},
                {"dr", number(l.dr)}, {"dE", number(l.dE)}, {"compact", number(l.compactTrained)},
                {"compact_random", number(l.compactRandom)}, {"projections", pj}};
        if (!hj.empty())
            lj["heads"] = hj;
        layers.push_back(lj);
    }
    json cj = json::array();
    for (const auto &c : corr)
        cj.push_back(correlationJson(c));
    return json{
        {"run_id", o.runId}, {"reused", o.reused}, {"store", o.storePath},
        {"device", r.device}, {"metrics", r.settings.metricsList()}, {"variant", r.variant},
        {"init_seed", r.settings.initSeed}, {"init_std", number(r.initStd)},
        {"topk_frac", r.settings.topKFrac},
        {"calibration", {{"path", r.calibration.path}, {"field", r.calibration.field},
                         {"samples", r.calibration.samples}, {"seqlen", r.calibration.seqlen},
                         {"seed", r.calibration.seed}, {"corpus_tokens", r.calibration.corpusTokens},
                         {"starts", r.calibration.starts}}},
        {"ppl_base", number(r.pplBase)},
        {"layers", layers},
        {"correlations", cj},
        {"cost", {{"layer_evaluations", r.cost.layerEvaluations},
                  {"head_evaluations", r.cost.headEvaluations},
                  {"naive_layer_evaluations", r.cost.naiveLayerEvaluations},
                  {"naive_head_evaluations", r.cost.naiveHeadEvaluations},
                  {"cached_layers", r.cost.cachedLayers},
                  {"recomputed_layers", r.cost.recomputedLayers},
                  {"cached_bytes", r.cost.cachedBytes},
                  {"dppl_cost_ratio", number(r.cost.dpplCostRatio)}}},
        {"timings", {{"baseline_s", r.timings.baselineSeconds},
                     {"spectral_s", r.timings.spectralSeconds},
                     {"dppl_s", r.timings.dpplSeconds},
                     {"total_s", r.timings.totalSeconds}}}};
}

std::string csvText(const DiagnosticsResult &r)
{
    std::ostringstream s;
    s.precision(10);
    s << "layer,dppl,ppl_skipped,dr,dE,compact,compact_random\n";
    auto v = [](double x) { return std::isfinite(x) ? std::to_string(x) : std::string(); };
    for (const LayerDiagnostics &l : r.layers)
        s << l.layer << ',' << v(l.dppl) << ',' << v(l.pplSkipped) << ',' << v(l.dr) << ','
          << v(l.dE) << ',' << v(l.compactTrained) << ',' << v(l.compactRandom) << '\n';
    return s.str();
}

void printTable(const AnalysisOutcome &o, const std::vector<MetricCorrelation> &corr)
{
    const DiagnosticsResult &r = o.result;
    std::printf("%s run %lld%s: %s, %lld x %lld tokens (seed %llu), W~ ~ N(0, %.4g^2) seed %llu, "
                "k = %.3g of rank, variant %s\n",
                o.storePath.empty() ? "unstored" : "stored", static_cast<long long>(o.runId),
                o.reused ? " (reused, nothing recomputed)" : "", r.calibration.path.c_str(),
                static_cast<long long>(r.calibration.samples),
                static_cast<long long>(r.calibration.seqlen),
                static_cast<unsigned long long>(r.calibration.seed), r.initStd,
                static_cast<unsigned long long>(r.settings.initSeed), r.settings.topKFrac,
                r.variant.c_str());
    if (std::isfinite(r.pplBase))
        std::printf("baseline PPL %.4f\n", r.pplBase);
    std::printf("\nlayer       dPPL   PPL(-l)         dr         dE    Compact   Compact~\n");
    for (const LayerDiagnostics &l : r.layers)
        std::printf("%5d %s%s %s %s %s %s\n", l.layer, cell(l.dppl).c_str(),
                    cell(l.pplSkipped).c_str(), cell(l.dr).c_str(), cell(l.dE).c_str(),
                    cell(l.compactTrained, "%10.2f").c_str(), cell(l.compactRandom, "%10.2f").c_str());
    for (const MetricCorrelation &c : corr) {
        std::printf("\n%s vs %s over %zu layers:\n", c.x.c_str(), c.y.c_str(), c.n);
        auto line = [](const char *name, const lieq::analysis::Correlation &k, const ConfidenceInterval &ci) {
            std::printf("  %-8s %7.4f  p = %.3g (%s)  95%% bootstrap CI [%.3f, %.3f] (B = %d)\n", name,
                        k.coefficient, k.pValue, k.pMethod.c_str(), ci.low, ci.high, ci.resamples);
        };
        line("Spearman", c.spearman, c.spearmanCi);
        line("Pearson", c.pearson, c.pearsonCi);
        line("Kendall", c.kendall, c.kendallCi);
    }
    if (r.cost.naiveLayerEvaluations > 0)
        std::printf("\ndPPL cost: %lld layer + %lld head evaluations (%lld cached inputs, %lld "
                    "recomputed); naive L+1 passes: %lld + %lld; estimated MAC ratio %.3f\n",
                    static_cast<long long>(r.cost.layerEvaluations),
                    static_cast<long long>(r.cost.headEvaluations),
                    static_cast<long long>(r.cost.cachedLayers),
                    static_cast<long long>(r.cost.recomputedLayers),
                    static_cast<long long>(r.cost.naiveLayerEvaluations),
                    static_cast<long long>(r.cost.naiveHeadEvaluations), r.cost.dpplCostRatio);
    std::printf("time: baseline %.2f s, spectra %.2f s, dPPL %.2f s, total %.2f s\n",
                r.timings.baselineSeconds, r.timings.spectralSeconds, r.timings.dpplSeconds,
                r.timings.totalSeconds);
}

void writeOutput(const std::string &where, const std::string &text)
{
    if (where == "-")
        std::fwrite(text.data(), 1, text.size(), stdout);
    else
        lieq::writeFileAtomic(where, text);
}

int run(const std::vector<std::string> &argv)
{
    Args args("analyze",
              {{"data", true, "calibration text: plain text or JSONL", "FILE"},
               {"field", true, "JSONL field holding the text (default \"text\")", "F"},
               {"metrics", true, "any of dppl,compact,energy (default all)", "LIST"},
               {"samples", true, "calibration windows (default 32)", "N"},
               {"seqlen", true, "tokens per window (default 512)", "S"},
               {"seed", true, "seed of the window starts and of W~ (default 0)", "N"},
               {"init-seed", true, "seed of the random weights W~ only (default --seed)", "N"},
               {"init-std", true, "std of W~ (default: config initializer_range)", "X"},
               {"topk-frac", true, "k of E_k as a fraction of the rank (default 0.01)", "F"},
               {"per-head", false, "also q/k/v per head (their mean scores the projection)"},
               {"store", true, "experiment store file (default $LIEQ_STORE or the data dir)", "PATH"},
               {"no-store", false, "do not record the run"},
               {"no-reuse", false, "compute even when an identical run is stored"},
               {"cache-mb", true, "memory for cached layer inputs (default 1/4 of RAM)", "MB"},
               {"device", true, "auto, cpu or cuda (default auto)", "DEV"},
               {"threads", true, "compute threads (default: all cores)", "N"},
               {"json", true, "write the full result as JSON (- for stdout)", "OUT"},
               {"csv", true, "write the per-layer table as CSV (- for stdout)", "OUT"},
               {"quiet", false, "no progress bar"},
               {"help", false, "show this help"}},
              "MODEL_DIR");
    args.parse(argv);
    if (args.has("help")) {
        std::printf("%s", args.usage().c_str());
        return 0;
    }
    AnalysisRequest req;
    req.modelDir = args.positional(0, "MODEL_DIR");
    if (!args.has("data"))
        throw lieq::Error("analyze: --data FILE is required (calibration text)");
    req.calibration.path = args.value("data");
    req.calibration.field = args.value("field");
    req.calibration.samples = args.intValue("samples", 32);
    req.calibration.seqlen = args.intValue("seqlen", 512);
    const long long seed = args.intValue("seed", 0);
    if (seed < 0)
        throw lieq::Error("analyze: --seed must not be negative");
    req.calibration.seed = static_cast<std::uint64_t>(seed);
    req.settings.initSeed = static_cast<std::uint64_t>(args.intValue("init-seed", seed));
    req.settings.initStd = args.doubleValue("init-std", 0);
    req.settings.topKFrac = args.doubleValue("topk-frac", 0.01);
    req.settings.perHead = args.has("per-head");
    if (args.has("metrics"))
        req.settings.setMetrics(args.value("metrics"));
    if (args.has("cache-mb"))
        req.settings.cacheBudgetBytes = args.intValue("cache-mb", 0) << 20;
    req.useStore = !args.has("no-store");
    req.storePath = args.value("store");
    req.reuse = !args.has("no-reuse");
    req.modelOptions.device = args.value("device", "auto");
    lieq::setComputeThreads(static_cast<int>(args.intValue("threads", 0)));

    const bool jsonToStdout = args.value("json") == "-" || args.value("csv") == "-";
    lieq::cli::TerminalProgress progress(!args.has("quiet"));
    const AnalysisOutcome outcome = runAnalysis(req, {}, progress.callback());
    progress.finish();
    const std::vector<MetricCorrelation> corr = correlateDiagnostics(outcome.result);

    if (!jsonToStdout)
        printTable(outcome, corr);
    if (args.has("json"))
        writeOutput(args.value("json"), outcomeJson(outcome, corr).dump(2) + "\n");
    if (args.has("csv"))
        writeOutput(args.value("csv"), csvText(outcome.result));
    return 0;
}

const lieq::cli::CommandRegistration registration({
    "analyze",
    "layer diagnostics: dPPL, compactness dr and top-k energy dE per layer, with correlations",
    run,
});

} // namespace
