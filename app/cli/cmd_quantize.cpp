// `lieq quantize MODEL --plan PLAN.json | --budget B | --bits N --method rtn|gptq|awq --calib FILE`:
// the sequential quantization pipeline at per-layer bits, with the plan chosen from a file, from
// LieQ layer scores under an average-bit budget (the paper's rule; scores from a stored analysis
// run, a layer table, or a fresh/reused `lieq analyze` run on the calibration text), or uniform.
// Stores the plan and the quant run, optionally saves the quantized folder and evaluates it.
#include "app/cli/command.h"
#include "app/cli/option_groups.h"
#include "app/cli/result_json.h"
#include "app/cli/terminal_progress.h"
#include "core/eval/kl_statistics.h"
#include "core/jobs/plan_rules.h"
#include "core/jobs/quantize_job.h"

#include <cmath>
#include <cstdio>
#include <string>

namespace {

using lieq::cli::Args;
using nlohmann::json;

std::string formatted(const char *format, double value)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, format, value);
    return buf;
}

json moduleJson(const lieq::ModuleReport &m)
{
    json j{{"layer", m.layer}, {"module", std::string(lieq::projectionModuleName(m.projection))},
           {"bits", m.bits}, {"kind", m.kind},
           {"output_error", m.outputError}, {"relative_error", m.relativeError},
           {"backend_loss", m.backendLoss}, {"seconds", m.seconds}};
    if (m.awqAlpha >= 0)
        j["awq_alpha"] = m.awqAlpha;
    return j;
}

json resultJson(const lieq::jobs::QuantizeRequest &req, const lieq::jobs::QuantizeResult &out)
{
    const lieq::PipelineResult &r = out.pipeline;
    std::vector<double> scores;
    if (out.plan.scores)
        for (const auto &l : out.plan.scores->layers)
            scores.push_back(l.score);
    json mods = json::array();
    for (const auto &m : r.modules)
        mods.push_back(moduleJson(m));
    json j{{"model", req.modelDir},
           {"method", lieq::quantMethodName(req.settings.method)},
           {"settings", json::parse(req.settings.json())},
           {"plan", {{"name", out.plan.name}, {"layer_bits", out.plan.plan.layerBits()},
                     {"nominal_bits", r.nominalBits}, {"scores", scores}}},
           {"run_id", out.runId}, {"plan_id", out.planId}, {"store", out.storePath},
           {"calibration", {{"path", req.calibration.path}, {"samples", req.calibration.samples},
                            {"seqlen", req.calibration.seqlen}, {"seed", req.calibration.seed},
                            {"tokens", r.calibrationTokens}}},
           {"timings", lieq::jobs::pipelineTimingsJson(r)},
           {"effective_bits", out.effectiveBits},
           {"modules", mods}};
    j["timings"]["total_s"] = out.totalSeconds;
    if (out.plan.sourceRunId)
        j["plan"]["source_run"] = *out.plan.sourceRunId;
    if (!out.outputDir.empty())
        j["output"] = {{"dir", out.outputDir}, {"bytes", out.outputBytes}};
    const lieq::EvalReport &e = out.evaluation.report;
    if (e.ppl)
        j["ppl"] = {{"data", e.ppl->data}, {"ppl", e.ppl->ppl}, {"windows", e.ppl->windows},
                    {"seqlen", e.ppl->seqlen}};
    if (out.evaluation.kl) {
        j["kl_reference"] = out.evaluation.klReferenceDir;
        j["kl"] = json::parse(lieq::klStatisticsToJson(*out.evaluation.kl));
    }
    json tj = json::array();
    for (const auto &t : e.tasks) {
        json one{{"task", t.task}, {"n", t.n}, {"acc", t.acc}};
        if (t.hasAccNorm)
            one["acc_norm"] = t.accNorm;
        tj.push_back(one);
    }
    if (!tj.empty())
        j["tasks"] = tj;
    return j;
}

void printText(const lieq::jobs::QuantizeRequest &req, const lieq::jobs::QuantizeResult &out)
{
    const lieq::PipelineResult &r = out.pipeline;
    std::printf("%s, plan \"%s\": layer bits", lieq::quantMethodName(req.settings.method).c_str(),
                out.plan.name.c_str());
    for (int b : out.plan.plan.layerBits())
        std::printf(" %d", b);
    std::printf("  (%.4f bits nominal, %.4f effective)\n", r.nominalBits, out.effectiveBits);
    std::printf("layer module     bits   rel.err   seconds\n");
    for (const auto &m : r.modules) {
        const std::string module(lieq::projectionModuleName(m.projection));
        // NaN: not measured (RTN without --module-errors) or kept in float.
        const std::string error = std::isnan(m.relativeError) ? "-" : formatted("%.5f", m.relativeError);
        std::printf("%5d %-10s %4d %9s %9.3f\n", m.layer, module.c_str(), m.bits, error.c_str(),
                    m.seconds);
    }
    std::printf("calibration %lld tokens; %lld layer forwards; capture %.2f s, quantize %.2f s, "
                "forward %.2f s, pipeline %.2f s\n",
                static_cast<long long>(r.calibrationTokens),
                static_cast<long long>(r.layerForwards), r.captureSeconds, r.quantizeSeconds,
                r.forwardSeconds, r.totalSeconds);
    if (out.runId > 0)
        std::printf("stored quant run %lld (plan %lld) in %s\n", static_cast<long long>(out.runId),
                    static_cast<long long>(out.planId), out.storePath.c_str());
    if (!out.outputDir.empty())
        std::printf("saved %s (%lld bytes)\n", out.outputDir.c_str(),
                    static_cast<long long>(out.outputBytes));
    const lieq::EvalReport &e = out.evaluation.report;
    if (e.ppl)
        std::printf("perplexity %.4f  (%lld windows x %lld tokens)\n", e.ppl->ppl,
                    static_cast<long long>(e.ppl->windows), static_cast<long long>(e.ppl->seqlen));
    for (const auto &t : e.tasks) {
        std::printf("%-14s n=%lld acc %.4f", t.task.c_str(), static_cast<long long>(t.n), t.acc);
        if (t.hasAccNorm)
            std::printf(" acc_norm %.4f", t.accNorm);
        std::printf("\n");
    }
    if (out.evaluation.kl)
        std::printf("\nKL statistics against %s:\n%s", out.evaluation.klReferenceDir.c_str(),
                    lieq::formatKlStatistics(*out.evaluation.kl).c_str());
}

int run(const Args &args)
{
    lieq::jobs::QuantizeRequest req;
    req.modelDir = args.positional(0, "MODEL_DIR");
    req.calibration = lieq::cli::readCalibration(args, "calib");
    req.plan = lieq::cli::readPlan(args, req.modelDir, req.calibration);
    if (args.has("rule")) {
        // A plan rule instead of scores (issue 16): needs --budget, no analysis.
        if (req.plan.kind != lieq::jobs::PlanRequest::Kind::Budget)
            args.fail("--rule chooses the layers of a --budget plan");
        req.plan.rule = args.value("rule");
        if (!lieq::jobs::isRulePlanMethod(req.plan.rule))
            args.fail("--rule takes llama-cpp, first, last, random or measured");
        req.plan.ruleSeed = static_cast<std::uint64_t>(args.intValue("rule-seed", 1));
        if (args.has("measure-run"))
            req.plan.measureRun = args.intValue("measure-run", 0);
    }
    req.settings = lieq::cli::readPipeline(args);
    req.outDir = args.value("out");
    lieq::jobs::EvaluationSpec &e = req.evaluation;
    e.pplData = args.value("eval-ppl");
    e.seqlen = args.intValue("eval-seqlen", req.calibration.seqlen);
    e.maxWindows = args.intValue("max-windows", -1);
    e.klReference = args.value("kl-reference");
    lieq::cli::readTasks(args, e);

    lieq::cli::TerminalProgress bar(!args.common().quiet);
    const lieq::jobs::QuantizeResult out = lieq::jobs::runQuantize(req, args.jobContext(bar));
    bar.finish();
    if (out.plan.scores && out.plan.scores->analysisRunId && req.plan.scores.tableFile.empty())
        std::fprintf(stderr, "scores: %s\n", out.plan.scores->source.c_str());
    if (args.common().json)
        std::printf("%s\n", resultJson(req, out).dump(2).c_str());
    else
        printText(req, out);
    return 0;
}

const lieq::cli::CommandRegistration registration(run, R"(
lieq quantize MODEL_DIR
quantize at per-layer bits (LieQ plan, file, or uniform) with RTN, GPTQ or AWQ
--out DIR           save the quantized checkpoint folder here
--eval-ppl FILE     then: perplexity on this text (GPTQ protocol)
--eval-seqlen S     perplexity window (default --seqlen)
--max-windows N     perplexity on at most N windows
--rule NAME         with --budget: llama-cpp | first | last | random | measured decides the
                    layers instead of scores
--rule-seed N       seed of --rule random (default 1)
--measure-run ID    stored `lieq measure` run for --rule measured
--kl-reference DIR|base  with --eval-ppl: KL statistics against this model on the same
                    windows, stored with the run (base = MODEL_DIR)
)",
    {lieq::cli::planOptions(), lieq::cli::pipelineOptions(), lieq::cli::calibrationOptions("calib"),
     lieq::cli::taskOptions(), lieq::cli::loadOptions()});

} // namespace
