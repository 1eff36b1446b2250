// `lieq measure MODEL --data FILE`: the measure pass. Per layer, the KL divergence from FP16 when
// only that layer is quantized to the low bit-width, and the gain of raising it to the high
// bit-width over the all-low plan, with the chosen backend; stored as a run. With a stored
// analysis (--scores-run) it then scores every predictor (dPPL, dr, dE, the measured
// sensitivity, and the baseline rules) against the measured gains at the budget: the share of
// the best achievable gain each one's plan captures, its top choice's rank, and Spearman/Kendall
// with bootstrap intervals.
#include "app/cli/command.h"
#include "app/cli/option_groups.h"
#include "app/cli/terminal_progress.h"
#include "core/alloc/baseline_plans.h"
#include "core/jobs/analysis_job.h"
#include "core/jobs/measure_job.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <optional>

namespace {

using lieq::cli::Args;
using nlohmann::json;

json num(double v) { return std::isfinite(v) ? json(v) : json(); }

std::string loadAverage()
{
    std::ifstream f("/proc/loadavg");
    std::string a, b, c;
    f >> a >> b >> c;
    return a.empty() ? std::string("?") : a + " " + b + " " + c;
}

void printMeasure(const lieq::jobs::MeasureJobResult &o,
                  const lieq::analysis::DiagnosticsResult *diag)
{
    const auto &r = o.measure;
    std::printf("%s measure run %lld%s: %s, low %d / high %d bits, %lld calibration + %lld probe "
                "windows of %lld tokens\n",
                o.storePath.empty() ? "unstored" : "stored", static_cast<long long>(o.runId),
                o.reused ? " (reused, nothing recomputed)" : "",
                lieq::quantMethodName(r.settings.backend.method).c_str(), r.settings.lowBits,
                r.settings.highBits, static_cast<long long>(r.calibrationWindows),
                static_cast<long long>(r.probeWindows), static_cast<long long>(r.seqlen));
    std::printf("\nlayer  KL(only it low)  KL(all low, it high)       gain%s\n",
                diag ? "        dPPL         dr         dE" : "");
    for (const auto &l : r.layers) {
        std::printf("%5d  %15.6f  %20.6f  %+10.6f", l.layer, l.klLow, l.klRaised, l.gain);
        if (diag && std::size_t(l.layer) < diag->layers.size()) {
            const auto &d = diag->layers[std::size_t(l.layer)];
            std::printf("  %10.4f %10.4f %10.4f", d.dppl, d.dr, d.dE);
        }
        std::printf("\n");
    }
    if (std::isfinite(r.klAllLow))
        std::printf("all layers at %d bits: KL %.6f, top-1 agreement %.2f%%\n", r.settings.lowBits,
                    r.klAllLow, 100 * r.top1AllLow);
    std::printf("\ncost: %.1f s = %.1f x one FP forward over the same windows (%.2f s); %lld layer "
                "quantizations, %lld probe + %lld calibration layer forwards, %lld heads; kept "
                "%.1f MB of layer inputs%s (load %s)\n",
                r.cost.seconds, r.cost.forwardMultiple, r.cost.forwardSeconds,
                static_cast<long long>(r.cost.layerQuantizations),
                static_cast<long long>(r.cost.probeLayerForwards),
                static_cast<long long>(r.cost.calibrationLayerForwards),
                static_cast<long long>(r.cost.headEvaluations),
                double(r.cost.cachedInputBytes) / 1e6,
                r.cost.referenceCached
                    ? (", " + std::to_string(r.cost.referenceBytes / 1000000) +
                       " MB of FP log-probabilities")
                          .c_str()
                    : ", FP reference recomputed",
                loadAverage().c_str());
}

json measureJson(const lieq::jobs::MeasureJobResult &o)
{
    const auto &r = o.measure;
    json layers = json::array();
    for (const auto &l : r.layers)
        layers.push_back({{"layer", l.layer}, {"kl_low", num(l.klLow)}, {"top1_low", num(l.top1Low)},
                          {"kl_raised", num(l.klRaised)}, {"top1_raised", num(l.top1Raised)},
                          {"gain", num(l.gain)}});
    return {{"run_id", o.runId},
            {"reused", o.reused},
            {"store", o.storePath},
            {"model", o.modelDir},
            {"backend", lieq::quantMethodName(r.settings.backend.method)},
            {"low_bits", r.settings.lowBits},
            {"high_bits", r.settings.highBits},
            {"calibration_windows", r.calibrationWindows},
            {"probe_windows", r.probeWindows},
            {"seqlen", r.seqlen},
            {"kl_all_low", num(r.klAllLow)},
            {"top1_all_low", num(r.top1AllLow)},
            {"layers", layers},
            {"cost",
             {{"seconds", r.cost.seconds},
              {"forward_seconds", r.cost.forwardSeconds},
              {"forward_multiple", r.cost.forwardMultiple},
              {"layer_quantizations", r.cost.layerQuantizations},
              {"probe_layer_forwards", r.cost.probeLayerForwards},
              {"calibration_layer_forwards", r.cost.calibrationLayerForwards},
              {"head_evaluations", r.cost.headEvaluations},
              {"cached_input_bytes", r.cost.cachedInputBytes},
              {"reference_bytes", r.cost.referenceBytes}}}};
}

json reportJson(const lieq::sensitivity::PredictorReport &rep)
{
    json preds = json::array();
    for (const auto &p : rep.predictors)
        preds.push_back({{"name", p.name},
                         {"raised", p.protectedLayers},
                         {"captured_gain", p.capturedGain},
                         {"share", num(p.share)},
                         {"top_choice", p.topChoice},
                         {"top_choice_rank", p.topChoiceRank},
                         {"spearman", num(p.spearman.coefficient)},
                         {"spearman_ci", {num(p.spearmanCi.low), num(p.spearmanCi.high)}},
                         {"kendall", num(p.kendall.coefficient)},
                         {"kendall_ci", {num(p.kendallCi.low), num(p.kendallCi.high)}}});
    return {{"budget", rep.budget}, {"best_raised", rep.bestLayers}, {"best_gain", rep.bestGain},
            {"winner", rep.winner}, {"predictors", preds}};
}

int run(const Args &args)
{
    lieq::jobs::MeasureRequest req;
    req.modelDir = args.positional(0, "MODEL_DIR");
    req.calibration = lieq::cli::readCalibration(args, "data");
    req.settings.backend = lieq::cli::readPipeline(args);
    req.settings.lowBits = int(args.intValue("low", 2));
    req.settings.highBits = int(args.intValue("high", 4));
    req.probeWindows = args.intValue("probe-windows", req.probeWindows);
    req.probeSeqlen = args.intValue("probe-seqlen", 0);
    const std::string only = args.value("only");
    if (!only.empty() && only != "isolated" && only != "gains")
        args.fail("--only takes isolated or gains");
    req.settings.isolated = only != "gains";
    req.settings.gains = only != "isolated";
    req.reuse = !args.has("no-reuse");
    const std::vector<std::uint64_t> seeds =
        lieq::alloc::parseSeeds(args.value("seeds", "1,2,3"));

    lieq::cli::TerminalProgress bar(!args.common().quiet);
    const lieq::jobs::JobContext ctx = args.jobContext(bar);
    const lieq::jobs::MeasureJobResult o = lieq::jobs::runMeasure(req, ctx);
    std::optional<lieq::jobs::AnalysisResult> analysis;
    if (args.has("scores-run"))
        analysis = lieq::jobs::loadAnalysis(ctx, args.intValue("scores-run", 0));
    bar.finish();
    const lieq::analysis::DiagnosticsResult *diag = analysis ? &analysis->diagnostics : nullptr;

    std::optional<lieq::sensitivity::PredictorReport> report;
    if (req.settings.gains) {
        const double L = double(o.measure.layers.size());
        const double budget = args.doubleValue(
            "budget", req.settings.lowBits + (req.settings.highBits - req.settings.lowBits) / L);
        report = lieq::jobs::predictorReport(o.measure, diag, req.modelDir, budget, seeds);
    }
    if (args.common().json) {
        json j = measureJson(o);
        if (report)
            j["predictors"] = reportJson(*report);
        if (analysis)
            j["scores_run"] = analysis->runId;
        std::printf("%s\n", j.dump(2).c_str());
        return 0;
    }
    printMeasure(o, diag);
    if (report) {
        std::printf("\n%s", lieq::sensitivity::formatPredictorReport(*report).c_str());
        if (!diag)
            std::printf("(dPPL, dr and dE join the comparison with --scores-run ID, a stored "
                        "`lieq analyze` run of this model)\n");
    }
    return 0;
}

const lieq::cli::CommandRegistration registration(run, R"(
lieq measure MODEL_DIR
measured quantization sensitivity per layer, and how each predictor of it scores
--low BITS          bit-width of the all-low plan (default 2)
--high BITS         bit-width a raised layer gets (default 4)
--probe-windows N   windows the KL is measured on, drawn from the same text with seed --seed + 1
                    (default 8)
--probe-seqlen S    tokens per probe window (default --seqlen)
--only PART         isolated (only-this-layer KL) or gains (raise-one-layer gains)
--no-reuse          compute even when an identical run is stored
--scores-run ID     stored analysis run whose dPPL/dr/dE join the comparison
--budget BITS       budget of the comparison (default low + (high - low) / L)
--seeds LIST        seeds of the random baseline plans (default 1,2,3)
)",
    {lieq::cli::calibrationOptions("data"), lieq::cli::pipelineOptions(), lieq::cli::loadOptions()},
    "\nCost: 3L layer quantizations and about L(L+1) probe layer forwards; the printed multiple "
    "is against one FP forward over the same calibration and probe windows, timed in the run.\n");

} // namespace
