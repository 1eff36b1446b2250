// Issue 16 through the jobs layer, on a tiny generated model with a store in a temporary folder:
// the measure job stores a "measure" analysis run and an identical request reuses it;
// latestMeasureRun/loadMeasure read it back; the predictor report covers every predictor and
// baseline; rule plans (baselines, measured knapsack) from choosePlan; KL statistics from the
// evaluate and quantize jobs, stored in kl_stats and listed by listKl; the demo's plan
// comparison (every plan quantized, identical plans once, a verdict).
#include "core/alloc/measured_plan.h"
#include "core/jobs/analysis_job.h"
#include "core/jobs/demo_comparison.h"
#include "core/jobs/evaluate_job.h"
#include "core/jobs/kl_job.h"
#include "core/jobs/measure_job.h"
#include "core/jobs/plan_job.h"
#include "core/jobs/quantize_job.h"
#include "core/util/error.h"
#include "tests/jobs/job_fixture.h"

#include <QTest>

#include <cmath>
#include <set>

using namespace lieq;
using namespace lieq::jobs;

namespace {

MeasureRequest measureRequest(const test::JobsFixture &f)
{
    MeasureRequest r;
    r.modelDir = f.modelDir;
    r.calibration.path = f.text;
    r.calibration.samples = 2;
    r.calibration.seqlen = 16;
    r.probeWindows = 2;
    r.settings.backend.method = QuantMethod::Rtn;
    r.settings.backend.groupSize = 32;
    return r;
}

} // namespace

class TestMeasureJob : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void measureStoredAndReused()
    {
        test::JobsFixture f;
        int layers = 0;
        const MeasureJobResult a = runMeasure(measureRequest(f), f.context(),
                                              [&](const std::string &stage, const auto &) {
                                                  layers += stage == "gain";
                                              });
        QVERIFY(a.runId > 0);
        QVERIFY(!a.reused);
        QCOMPARE(layers, 3);
        QVERIFY(std::isfinite(a.measure.klAllLow));
        const MeasureJobResult b = runMeasure(measureRequest(f), f.context());
        QVERIFY(b.reused);
        QCOMPARE(b.runId, a.runId);
        for (std::size_t l = 0; l < a.measure.layers.size(); ++l) {
            QCOMPARE(b.measure.layers[l].klLow, a.measure.layers[l].klLow);
            QCOMPARE(b.measure.layers[l].gain, a.measure.layers[l].gain);
        }
        QCOMPARE(b.measure.klAllLow, a.measure.klAllLow);
        QCOMPARE(b.measure.cost.layerQuantizations, a.measure.cost.layerQuantizations);
        QCOMPARE(latestMeasureRun(f.context(), f.modelDir), std::optional<std::int64_t>(a.runId));
        QCOMPARE(loadMeasure(f.context(), a.runId).measure.settings.backend.method, QuantMethod::Rtn);

        // A plain analysis run is not a measure run.
        AnalysisRequest ar;
        ar.modelDir = f.modelDir;
        ar.calibration = measureRequest(f).calibration;
        ar.settings.setMetrics("dppl,compact,energy");
        const AnalysisResult analysis = runAnalysis(ar, f.context());
        QVERIFY_THROWS_EXCEPTION(Error, loadMeasure(f.context(), analysis.runId));
        QCOMPARE(latestMeasureRun(f.context(), f.modelDir), std::optional<std::int64_t>(a.runId));

        const sensitivity::PredictorReport rep =
            predictorReport(a.measure, &analysis.diagnostics, f.modelDir, 2.0 + 2.0 / 3, {1, 2});
        std::set<std::string> names;
        for (const auto &p : rep.predictors)
            names.insert(p.name);
        for (const char *n : {"dppl", "dr", "dE", "sensitivity", "llama-cpp", "first", "last",
                              "random-1", "random-2"})
            QVERIFY2(names.count(n), n);
        QCOMPARE(rep.bestLayers.size(), std::size_t(1));
    }

    void rulePlans()
    {
        test::JobsFixture f;
        const MeasureJobResult m = runMeasure(measureRequest(f), f.context());
        PlanRequest p;
        p.kind = PlanRequest::Kind::Budget;
        p.budget = 2.0 + 2.0 / 3;
        p.rule = "last";
        QCOMPARE(alloc::raisedLayers(choosePlan(p, f.modelDir, f.context()).plan), std::vector<int>{2});
        p.rule = "measured";
        QVERIFY_THROWS_EXCEPTION(Error, choosePlan(p, f.modelDir, f.context())); // no run named
        p.measureRun = m.runId;
        const PlanResult measured = choosePlan(p, f.modelDir, f.context());
        QCOMPARE(measured.plan.method, std::string("measured"));
        QCOMPARE(measured.sourceRunId, std::optional<std::int64_t>(m.runId));
        std::vector<int> best;
        double g = -INFINITY;
        for (const auto &l : m.measure.layers)
            if (l.gain > g) {
                g = l.gain;
                best = {l.layer};
            }
        QCOMPARE(alloc::raisedLayers(measured.plan), best);
        p.rule = "middle";
        QVERIFY_THROWS_EXCEPTION(Error, choosePlan(p, f.modelDir, f.context()));
    }

    void klFromEvaluateAndQuantize()
    {
        test::JobsFixture f;
        QuantizeRequest q;
        q.modelDir = f.modelDir;
        q.plan.kind = PlanRequest::Kind::Uniform;
        q.plan.uniformBits = 2;
        q.calibration.path = f.text;
        q.calibration.samples = 2;
        q.calibration.seqlen = 16;
        q.settings.method = QuantMethod::Rtn;
        q.settings.groupSize = 32;
        q.outDir = f.path("q2");
        q.evaluation.pplData = f.text;
        q.evaluation.seqlen = 16;
        q.evaluation.maxWindows = 4;
        q.evaluation.klReference = "base";
        const QuantizeResult r = runQuantize(q, f.context());
        QVERIFY(r.evaluation.kl);
        QCOMPARE(r.evaluation.klReferenceDir, f.modelDir);
        QCOMPARE(r.evaluation.kl->positions, std::int64_t(4 * 15));
        QVERIFY(r.evaluation.kl->klMean.value > 0);
        const std::vector<StoredKl> stored = listKl(f.context(), r.runId);
        QCOMPARE(int(stored.size()), 1);
        QCOMPARE(stored[0].stats.klMean.value, r.evaluation.kl->klMean.value);
        QCOMPARE(stored[0].setting.seqlen, std::int64_t(16));

        // The evaluate job on the stored run's folder, against "base" (the recorded source).
        EvaluateRequest e;
        e.target = std::to_string(r.runId);
        e.spec = q.evaluation;
        const EvaluateResult ev = runEvaluate(e, f.context());
        QVERIFY(ev.kl);
        QCOMPARE(ev.kl->klMean.value, r.evaluation.kl->klMean.value);
        QCOMPARE(int(listKl(f.context(), r.runId).size()), 2);
        // Against itself: zero.
        e.target = f.modelDir;
        const EvaluateResult self = runEvaluate(e, f.context());
        QCOMPARE(self.kl->klMean.value, 0.0);
        // KL needs the perplexity text.
        e.spec.pplData.clear();
        e.spec.tasks = {};
        QVERIFY_THROWS_EXCEPTION(Error, runEvaluate(e, f.context()));
    }

    void planComparison()
    {
        test::JobsFixture f;
        AnalysisRequest ar;
        ar.modelDir = f.modelDir;
        ar.calibration = measureRequest(f).calibration;
        const AnalysisResult analysis = runAnalysis(ar, f.context());
        PlanComparisonRequest cr;
        cr.modelDir = f.modelDir;
        cr.data = f.text;
        cr.workDir = f.path("compare");
        cr.seqlen = 16;
        cr.samples = 2;
        cr.evalWindows = 3;
        cr.probeWindows = 2;
        cr.randomSeeds = {1};
        const PlanComparison c = comparePlans(cr, analysis, f.context());
        std::set<std::string> names;
        std::set<std::int64_t> runs;
        for (const ComparedPlan &p : c.plans) {
            names.insert(p.name);
            runs.insert(p.quantRunId);
            QVERIFY(std::isfinite(p.kl.klMean.value));
            if (!p.sameAs.empty())
                QVERIFY(names.count(p.sameAs));
        }
        for (const char *n : {"dr", "dE", "dppl", "sensitivity", "measured", "llama-cpp", "first",
                              "last", "random-1", "uniform-2"})
            QVERIFY2(names.count(n), n);
        // Three layers, one raised: at most three distinct one-layer plans + uniform 2-bit.
        QVERIFY(runs.size() <= 4);
        QVERIFY(!c.rewarded.empty());
        QVERIFY(c.verdict.find("This model rewards") == 0);
        QVERIFY(!formatPlanComparison(c).empty());
    }
};

QTEST_GUILESS_MAIN(TestMeasureJob)
#include "tst_measurejob.moc"
