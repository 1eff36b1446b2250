// `lieq analyze MODEL --data FILE`: the LieQ layer diagnostics (dPPL, compactness dr, top-k
// energy dE) on calibration text, stored in the experiment store, printed as a per-layer table
// with the correlations between dPPL and dr / dE. --csv and --out write the layer table that
// `lieq allocate --scores` reads back.
#include "app/cli/command.h"
#include "app/cli/option_groups.h"
#include "app/cli/result_json.h"
#include "app/cli/terminal_progress.h"
#include "core/jobs/analysis_job.h"
#include "core/util/atomic_file.h"

#include <cmath>
#include <cstdio>

namespace {

using namespace lieq::analysis;
using lieq::cli::Args;

std::string cell(double v, const char *fmt = "%10.4f")
{
    if (!std::isfinite(v))
        return "         -";
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, v);
    return buf;
}

void printHeader(const lieq::jobs::AnalysisResult &o)
{
    const DiagnosticsResult &r = o.diagnostics;
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
}

void printCorrelation(const MetricCorrelation &c)
{
    std::printf("\n%s vs %s over %zu layers:\n", c.x.c_str(), c.y.c_str(), c.n);
    auto line = [](const char *name, const Correlation &k, const ConfidenceInterval &ci) {
        std::printf("  %-8s %7.4f  p = %.3g (%s)  95%% bootstrap CI [%.3f, %.3f] (B = %d)\n", name,
                    k.coefficient, k.pValue, k.pMethod.c_str(), ci.low, ci.high, ci.resamples);
    };
    line("Spearman", c.spearman, c.spearmanCi);
    line("Pearson", c.pearson, c.pearsonCi);
    line("Kendall", c.kendall, c.kendallCi);
}

void printTable(const lieq::jobs::AnalysisResult &o)
{
    const DiagnosticsResult &r = o.diagnostics;
    printHeader(o);
    std::printf("\nlayer       dPPL   PPL(-l)         dr         dE    Compact   Compact~\n");
    for (const LayerDiagnostics &l : r.layers)
        std::printf("%5d %s%s %s %s %s %s\n", l.layer, cell(l.dppl).c_str(),
                    cell(l.pplSkipped).c_str(), cell(l.dr).c_str(), cell(l.dE).c_str(),
                    cell(l.compactTrained, "%10.2f").c_str(), cell(l.compactRandom, "%10.2f").c_str());
    for (const MetricCorrelation &c : o.correlations)
        printCorrelation(c);
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

int run(const Args &args)
{
    lieq::jobs::AnalysisRequest req;
    req.modelDir = args.positional(0, "MODEL_DIR");
    req.calibration = lieq::cli::readCalibration(args, "data");
    req.settings.initSeed = static_cast<std::uint64_t>(
        args.intValue("init-seed", static_cast<long long>(req.calibration.seed)));
    req.settings.initStd = args.doubleValue("init-std", 0);
    req.settings.topKFrac = args.doubleValue("topk-frac", req.settings.topKFrac);
    req.settings.perHead = args.has("per-head");
    if (args.has("metrics"))
        req.settings.setMetrics(args.value("metrics"));
    if (args.has("cache-mb"))
        req.settings.cacheBudgetBytes = args.intValue("cache-mb", 0) << 20;
    req.reuse = !args.has("no-reuse");

    const bool json = args.common().json;
    lieq::cli::TerminalProgress bar(!args.common().quiet);
    const lieq::jobs::AnalysisResult outcome =
        lieq::jobs::runAnalysis(req, args.jobContext(bar));
    bar.finish();
    const bool stdoutTaken = json || args.value("csv") == "-" || args.value("out") == "-";
    if (!stdoutTaken)
        printTable(outcome);
    const std::string full = lieq::cli::analysisJson(outcome, req.modelDir).dump(2) + "\n";
    if (json)
        std::printf("%s", full.c_str());
    if (args.has("out"))
        writeOutput(args.value("out"), full);
    if (args.has("csv"))
        writeOutput(args.value("csv"),
                    lieq::alloc::layerTableCsv(lieq::jobs::layerTable(outcome, req.modelDir)));
    return 0;
}

const lieq::cli::CommandRegistration registration(run, R"(
lieq analyze MODEL_DIR
layer diagnostics: dPPL, compactness dr and top-k energy dE per layer, with correlations
--metrics LIST      any of dppl,compact,energy (default all)
--init-seed N       seed of the random weights W~ only (default --seed)
--init-std X        std of W~ (default: config initializer_range)
--topk-frac F       k of E_k as a fraction of the rank (default 0.01)
--per-head          also q/k/v per head (their mean scores the projection)
--no-reuse          compute even when an identical run is stored
--cache-mb MB       memory for cached layer inputs (default 1/4 of RAM)
--out FILE          write the full result as JSON (the layer table + projections, correlations,
                    cost; - for stdout)
--csv FILE          write the per-layer table as CSV (- for stdout)
)",
    {lieq::cli::calibrationOptions("data"), lieq::cli::loadOptions()});

} // namespace
