#include "core/jobs/demo_job.h"

#include "core/alloc/layer_specs.h"
#include "core/alloc/plan_json.h"
#include "core/io/checkpoint.h"
#include "core/io/gguf_export.h"
#include "core/jobs/analysis_job.h"
#include "core/jobs/evaluate_job.h"
#include "core/jobs/plan_job.h"
#include "core/jobs/quantize_job.h"
#include "core/util/atomic_file.h"
#include "core/util/demo_model.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <sstream>

namespace lieq::jobs {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json num(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

// ../shared beside the source tree, where the project's test material lives.
fs::path sharedDir() { return fs::path(LIEQ_SOURCE_DIR) / ".." / "shared"; }

EvaluationSpec demoEvaluation(const DemoRequest &r)
{
    EvaluationSpec e;
    e.pplData = r.data;
    e.seqlen = r.seqlen;
    e.maxWindows = r.evalWindows;
    return e;
}

// GPTQ at `plan`, evaluated on the demo windows; saved when saveDir is given.
QuantizeResult quantizeAt(const DemoRequest &r, const alloc::BitPlan &plan, const std::string &name,
                          const AnalysisResult &analysis, const std::string &saveDir,
                          const JobContext &context)
{
    QuantizeRequest q;
    q.modelDir = r.modelDir;
    q.plan.kind = PlanRequest::Kind::Given;
    q.plan.plan = plan;
    q.planName = name;
    q.calibration.path = r.data;
    q.calibration.samples = r.samples;
    q.calibration.seqlen = r.seqlen;
    q.settings.method = QuantMethod::Gptq;
    q.outDir = saveDir;
    q.evaluation = demoEvaluation(r);
    if (analysis.runId > 0) // the plan came from the analysis' scores
        q.plan.sourceRunId = analysis.runId;
    return runQuantize(q, context);
}

std::string metricsCsv(const std::vector<DemoLayer> &layers)
{
    std::ostringstream csv;
    csv.precision(10);
    csv << "layer,dppl,dr,dE,bits\n";
    for (const DemoLayer &l : layers)
        csv << l.layer << ',' << l.dppl << ',' << l.dr << ',' << l.dE << ',' << l.bits << '\n';
    return csv.str();
}

json comparisonJson(const DemoResult &d)
{
    if (!d.comparison)
        return nullptr;
    const PlanComparison &c = *d.comparison;
    json plans = json::array();
    for (const ComparedPlan &p : c.plans)
        plans.push_back({{"name", p.name}, {"raised", p.raised}, {"bits", p.bits},
                         {"ppl", num(p.ppl)}, {"same_as", p.sameAs}, {"quant_run", p.quantRunId},
                         {"kl", json::parse(klStatisticsToJson(p.kl))}});
    json shares = json::array();
    for (const sensitivity::PredictorScore &p : c.predictors.predictors)
        shares.push_back({{"name", p.name}, {"raised", p.protectedLayers},
                          {"share", num(p.share)}, {"top_choice", p.topChoice},
                          {"top_choice_rank", p.topChoiceRank},
                          {"spearman", num(p.spearman.coefficient)},
                          {"kendall", num(p.kendall.coefficient)}});
    return {{"budget_bits", c.budget}, {"eval_data", c.evalData},
            {"measure_run", c.measure.runId},
            {"measure_seconds", c.measure.measure.cost.seconds},
            {"measure_forward_multiple", c.measure.measure.cost.forwardMultiple},
            {"best_raised", c.predictors.bestLayers}, {"best_gain", c.predictors.bestGain},
            {"plans", plans}, {"predictors", shares}, {"rewarded", c.rewarded},
            {"verdict", c.verdict}};
}

std::string summaryJson(const DemoResult &d)
{
    json layers = json::array();
    for (const DemoLayer &l : d.layers)
        layers.push_back({{"layer", l.layer}, {"dppl", num(l.dppl)}, {"dr", num(l.dr)},
                          {"dE", num(l.dE)}, {"bits", l.bits}});
    const json summary{
        {"model", d.modelDir},
        {"data", d.data},
        {"seqlen", d.seqlen},
        {"eval_windows", d.evalWindows},
        {"analysis_run", d.analysisRunId},
        {"store", d.storePath},
        {"budget_bits", d.budgetBits},
        {"ppl", {{"fp", num(d.pplFp)}, {"lieq_gptq", num(d.pplLieq)}, {"uniform2_gptq", num(d.pplUniform2)}}},
        {"nominal_bits", {{"lieq", d.nominalBitsLieq}, {"uniform2", d.nominalBitsUniform2}}},
        {"layers", layers},
        {"comparison", comparisonJson(d)},
        {"outputs",
         {{"plan", d.planPath},
          {"metrics_json", d.metricsJsonPath},
          {"metrics_csv", d.metricsCsvPath},
          {"gguf_f16", d.ggufPath},
          {"quantized_checkpoint", d.quantizedCheckpoint}}}};
    return summary.dump(2);
}

} // namespace

std::string findDemoModelDir()
{
    if (const fs::path demo = findDemoModel(); !demo.empty())
        return demo.string();
    const fs::path stories = sharedDir() / "models" / "stories260K-hf";
    if (fs::exists(stories / "config.json"))
        return fs::weakly_canonical(stories).string();
    std::string looked;
    for (const fs::path &c : demoModelCandidates())
        looked += (looked.empty() ? "" : ", ") + c.string();
    throw Error("no demo model found (looked in " + looked +
                " and ../shared/models/stories260K-hf); pass a model folder");
}

std::string findDemoData(const std::string &modelDir)
{
    if (const fs::path own = fs::path(modelDir) / "validation.txt"; fs::exists(own))
        return own.string();
    const fs::path wiki = sharedDir() / "data" / "wikitext-2-raw" / "wiki.test.hf_joined.txt";
    if (fs::exists(wiki))
        return fs::weakly_canonical(wiki).string();
    throw Error("no evaluation text found (" + modelDir +
                "/validation.txt, ../shared/data/wikitext-2-raw/wiki.test.hf_joined.txt); "
                "pass a text file");
}

DemoResult runDemo(const DemoRequest &request, const JobContext &context)
{
    context.applyThreads();
    DemoRequest r = request;
    if (r.modelDir.empty())
        r.modelDir = findDemoModelDir();
    if (r.data.empty())
        r.data = findDemoData(r.modelDir);
    if (r.seqlen < 2 || r.samples < 1 || r.evalWindows < 1)
        throw Error("demo: windows need at least 2 tokens, and at least one calibration and one "
                    "evaluation window");
    const fs::path out = fs::absolute(r.outDir);
    fs::create_directories(out);
    DemoResult d;
    d.modelDir = r.modelDir;
    d.data = r.data;
    d.seqlen = r.seqlen;

    // 1. FP baseline perplexity.
    EvaluateRequest fp;
    fp.target = r.modelDir;
    fp.spec = demoEvaluation(r);
    JobContext unstored = context;
    unstored.store.enabled = false;
    const EvaluateResult base = runEvaluate(fp, unstored);
    d.pplFp = base.report.ppl->ppl;
    d.evalWindows = base.report.ppl->windows;

    // 2. LieQ diagnostics (stored; an identical earlier run is reused).
    AnalysisRequest ar;
    ar.modelDir = r.modelDir;
    ar.calibration.path = r.data;
    ar.calibration.samples = r.samples;
    ar.calibration.seqlen = r.seqlen;
    const AnalysisResult analysis = runAnalysis(ar, context);
    d.analysisRunId = analysis.runId;
    d.storePath = analysis.storePath;

    // 3. Allocation at the paper's setting: one 4-bit layer, 2 + 2/L bits.
    std::vector<double> scores;
    for (const auto &l : analysis.diagnostics.layers)
        scores.push_back(l.dr);
    const ScoredLayers layers = modelLayers(r.modelDir, scores);
    d.numLayers = static_cast<std::int64_t>(layers.layers.size());
    d.budgetBits = 2.0 + 2.0 / static_cast<double>(d.numLayers);
    const alloc::BitPlan lieqPlan = alloc::paperPlan(layers.layers, d.budgetBits);
    const alloc::BitPlan twoBit = alloc::uniformPlan(layers.layers, 2);

    // 4. GPTQ at the LieQ plan and at uniform 2 bits, evaluated on the same windows.
    const QuantizeResult lq =
        quantizeAt(r, lieqPlan, "demo-lieq", analysis, (out / "gptq-lieq").string(), context);
    const QuantizeResult q2 = quantizeAt(r, twoBit, "demo-uniform-2bit", analysis, {}, context);
    d.pplLieq = lq.evaluation.report.ppl ? lq.evaluation.report.ppl->ppl : std::nan("");
    d.pplUniform2 = q2.evaluation.report.ppl ? q2.evaluation.report.ppl->ppl : std::nan("");
    d.nominalBitsLieq = lieqPlan.nominalBits();
    d.nominalBitsUniform2 = twoBit.nominalBits();
    d.quantizedCheckpoint = lq.outputDir;

    // 5. Outputs: plan, metrics, F16 GGUF.
    d.planPath = (out / "plan.json").string();
    alloc::savePlan(lieqPlan, d.planPath);
    GgufExportOptions go;
    go.type = GgmlType::F16;
    d.ggufPath = exportGguf(Checkpoint(r.modelDir), (out / "model-f16.gguf").string(), go,
                            context.progress)
                     .path;
    const std::vector<int> bits = lieqPlan.layerBits();
    for (std::size_t i = 0; i < analysis.diagnostics.layers.size(); ++i) {
        const auto &l = analysis.diagnostics.layers[i];
        d.layers.push_back({l.layer, l.dppl, l.dr, l.dE, i < bits.size() ? bits[i] : 16});
    }
    // 6. Is the plan right for this model? Every predictor against the measured gains and the
    // baseline rules, each plan quantized and judged on held-out text.
    if (r.comparePlans) {
        PlanComparisonRequest cr;
        cr.modelDir = r.modelDir;
        cr.data = r.data;
        cr.workDir = out.string();
        cr.seqlen = r.seqlen;
        cr.samples = r.samples;
        cr.evalWindows = r.evalWindows;
        cr.probeWindows = r.probeWindows;
        cr.budget = d.budgetBits;
        cr.randomSeeds = r.randomSeeds;
        d.comparison = comparePlans(cr, analysis, context);
    }
    d.metricsJsonPath = (out / "metrics.json").string();
    d.metricsCsvPath = (out / "metrics.csv").string();
    d.summaryJson = summaryJson(d);
    writeFileAtomic(d.metricsJsonPath, d.summaryJson + "\n");
    writeFileAtomic(d.metricsCsvPath, metricsCsv(d.layers));
    return d;
}

} // namespace lieq::jobs
