#include "core/jobs/demo_comparison.h"

#include "core/alloc/baseline_plans.h"
#include "core/alloc/layer_specs.h"
#include "core/alloc/measured_plan.h"
#include "core/alloc/plan_compare.h"
#include "core/jobs/plan_job.h"
#include "core/jobs/quantize_job.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace lieq::jobs {

namespace {

namespace fs = std::filesystem;

// The text halves: [0] evaluation, [1] calibration.
std::pair<std::string, std::string> splitText(const std::string &path, const std::string &dir)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error(path, "cannot read the comparison text");
    std::ostringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    // The paragraph break nearest after the middle, else a line break, else a space.
    std::size_t cut = std::string::npos, skip = 0;
    for (const std::string sep : {"\n\n", "\n", " "})
        if (cut == std::string::npos) {
            cut = text.find(sep, text.size() / 2);
            skip = sep.size();
        }
    if (cut == std::string::npos || cut == 0)
        throw Error(path, "too short to hold out half of it for evaluation");
    fs::create_directories(dir);
    const std::string eval = (fs::path(dir) / "comparison-eval.txt").string();
    const std::string calib = (fs::path(dir) / "comparison-calibration.txt").string();
    writeFileAtomic(eval, text.substr(0, cut));
    writeFileAtomic(calib, text.substr(cut + skip));
    return {eval, calib};
}

std::string layerList(const std::vector<int> &v)
{
    std::string s;
    for (int x : v)
        s += (s.empty() ? "" : ",") + std::to_string(x);
    return s.empty() ? std::string("none") : s;
}

bool isPredictor(const std::string &name)
{
    return name == "dppl" || name == "dr" || name == "dE" || name == "sensitivity";
}

} // namespace

PlanComparison comparePlans(const PlanComparisonRequest &req, const AnalysisResult &analysis,
                            const JobContext &context)
{
    PlanComparison out;
    const auto [evalText, calibText] = splitText(req.data, req.workDir);
    out.evalData = evalText;

    MeasureRequest mr;
    mr.modelDir = req.modelDir;
    mr.calibration.path = calibText;
    mr.calibration.samples = req.samples;
    mr.calibration.seqlen = req.seqlen;
    mr.probeWindows = req.probeWindows;
    mr.settings.backend.method = QuantMethod::Gptq;
    out.measure = runMeasure(mr, context);

    const ScoredLayers model = modelLayers(req.modelDir);
    const double L = double(model.layers.size());
    out.budget = req.budget > 0 ? req.budget : 2.0 + 2.0 / L;
    out.predictors = predictorReport(out.measure.measure, &analysis.diagnostics, req.modelDir,
                                     out.budget, req.randomSeeds);

    // The plans: each predictor's and baseline's (the paper rule on its order), the knapsack
    // on measured gains, and uniform 2-bit.
    std::vector<std::pair<std::string, alloc::BitPlan>> plans;
    alloc::AllocationRequest ar;
    ar.layers = model.layers;
    ar.bitSet = {2, 4};
    ar.budget = out.budget;
    for (const auto &[name, scores] :
         predictorSeries(out.measure.measure, &analysis.diagnostics, model.layers, req.randomSeeds)) {
        alloc::AllocationRequest r = ar;
        r.layers = alloc::withScores(model.layers, scores, name);
        alloc::BitPlan p = alloc::allocate(r);
        p.method = name;
        plans.push_back({name, p});
    }
    plans.push_back({"measured", alloc::measuredPlan(ar, out.measure.measure.gains())});
    plans.push_back({"uniform-2", alloc::uniformPlan(model.layers, 2)});

    std::map<std::vector<int>, std::size_t> quantized; // layer bits -> row
    for (std::size_t i = 0; i < plans.size(); ++i) {
        const auto &[name, plan] = plans[i];
        ComparedPlan row;
        row.name = name;
        row.raised = alloc::raisedLayers(plan);
        row.bits = plan.nominalBits();
        const std::vector<int> bits = plan.layerBits();
        if (const auto it = quantized.find(bits); it != quantized.end()) {
            const ComparedPlan &first = out.plans[it->second];
            row.sameAs = first.sameAs.empty() ? first.name : first.sameAs;
            row.ppl = first.ppl;
            row.kl = first.kl;
            row.quantRunId = first.quantRunId;
        } else {
            QuantizeRequest q;
            q.modelDir = req.modelDir;
            q.plan.kind = PlanRequest::Kind::Given;
            q.plan.plan = plan;
            q.planName = "demo-compare-" + name;
            if (analysis.runId > 0 && isPredictor(name) && name != "sensitivity")
                q.plan.sourceRunId = analysis.runId;
            q.calibration.path = calibText;
            q.calibration.samples = req.samples;
            q.calibration.seqlen = req.seqlen;
            q.settings.method = QuantMethod::Gptq;
            q.evaluation.pplData = evalText;
            q.evaluation.seqlen = req.seqlen;
            q.evaluation.maxWindows = req.evalWindows;
            q.evaluation.klReference = "base";
            const QuantizeResult r = runQuantize(q, context);
            row.ppl = r.evaluation.report.ppl ? r.evaluation.report.ppl->ppl : std::nan("");
            if (r.evaluation.kl)
                row.kl = *r.evaluation.kl;
            row.quantRunId = r.runId;
            quantized[bits] = out.plans.size();
        }
        out.plans.push_back(std::move(row));
    }

    // The verdict: the predictor(s) whose plan measured the least damage.
    double best = INFINITY;
    for (const ComparedPlan &p : out.plans)
        if (isPredictor(p.name))
            best = std::min(best, p.kl.klMean.value);
    for (const ComparedPlan &p : out.plans)
        if (isPredictor(p.name) && p.kl.klMean.value <= best * (1 + 1e-9))
            out.rewarded.push_back(p.name);
    auto klOf = [&](const std::string &name) {
        for (const ComparedPlan &p : out.plans)
            if (p.name == name)
                return p.kl.klMean.value;
        return std::nan("");
    };
    std::string names;
    for (const std::string &n : out.rewarded)
        names += (names.empty() ? "" : " = ") + n;
    char line[320];
    std::snprintf(line, sizeof line,
                  "This model rewards %s: its plan's KL is %.4f against %.4f for dr (LieQ), %.4f "
                  "for the measured-gain plan and %.4f for uniform 2-bit (held-out text).",
                  names.empty() ? "no predictor" : names.c_str(), best, klOf("dr"),
                  klOf("measured"), klOf("uniform-2"));
    out.verdict = line;
    return out;
}

std::string formatPlanComparison(const PlanComparison &c)
{
    std::ostringstream os;
    char line[256];
    std::snprintf(line, sizeof line,
                  "\nPlans at %.4f bits (GPTQ), judged on the held-out half of the text (%s):\n",
                  c.budget, c.evalData.c_str());
    os << line;
    os << "plan          4-bit layers     bits   KL mean +- err    KL p99   top-1     PPL   PPL ratio\n";
    for (const ComparedPlan &p : c.plans) {
        std::snprintf(line, sizeof line,
                      "%-12s  %-14s %6.3f  %.4f +- %.4f  %8.4f  %5.1f%%  %7.2f  %8.4f%s\n",
                      p.name.c_str(), layerList(p.raised).c_str(), p.bits, p.kl.klMean.value,
                      p.kl.klMean.error, p.kl.klAt(0.99), 100 * p.kl.top1Agreement.value, p.ppl,
                      p.kl.pplRatio.value, p.sameAs.empty() ? "" : ("  (= " + p.sameAs + ")").c_str());
        os << line;
    }
    const auto &m = c.measure.measure;
    std::snprintf(line, sizeof line,
                  "\nmeasure pass (run %lld): %.1f s = %.1f x one FP forward over its windows\n",
                  static_cast<long long>(c.measure.runId), m.cost.seconds, m.cost.forwardMultiple);
    os << line << sensitivity::formatPredictorReport(c.predictors) << c.verdict << "\n";
    return os.str();
}

} // namespace lieq::jobs
