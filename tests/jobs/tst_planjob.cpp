// Plan choice through the library (what `lieq quantize` and `lieq allocate` do): scores from a
// stored analysis run, from the layer table `lieq analyze` writes (CSV and JSON, read back by
// the allocator), or from a fresh analysis; the paper's rule, its ablation and the oracle;
// uniform and file plans; clear errors.
#include "core/alloc/plan_json.h"
#include "core/alloc/scores_file.h"
#include "core/jobs/analysis_job.h"
#include "core/jobs/plan_job.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "tests/jobs/job_fixture.h"

#include <QTest>

#include <algorithm>
#include <cmath>

using namespace lieq;
using namespace lieq::jobs;

namespace {

AnalysisRequest smallAnalysis(const test::JobsFixture &f)
{
    AnalysisRequest a;
    a.modelDir = f.modelDir;
    a.calibration.path = f.text;
    a.calibration.samples = 3;
    a.calibration.seqlen = 32;
    return a;
}

int fourBitLayer(const alloc::BitPlan &p)
{
    int layer = -1, count = 0;
    for (const alloc::PlanUnit &u : p.units)
        if (u.bits == 4) {
            layer = u.layer;
            ++count;
        }
    return count == 1 ? layer : -1;
}

int argBest(const std::vector<double> &v, bool highest)
{
    const auto it = highest ? std::max_element(v.begin(), v.end()) : std::min_element(v.begin(), v.end());
    return int(it - v.begin());
}

std::string errorOf(const std::function<void()> &f)
{
    try {
        f();
    } catch (const Error &e) {
        return e.what();
    }
    return {};
}

} // namespace

class TestPlanJob : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void scoresFromEverySource()
    {
        test::JobsFixture f(4);
        const AnalysisResult a = runAnalysis(smallAnalysis(f), f.context());
        std::vector<double> dr, dppl;
        for (const auto &l : a.diagnostics.layers) {
            dr.push_back(l.dr);
            dppl.push_back(l.dppl);
        }
        // 2.5 bits on 4 equal layers: one layer at 4 bits.
        PlanRequest p;
        p.budget = 2.5;
        p.scores.analysisRun = a.runId;
        PlanResult top = choosePlan(p, {}, f.context()); // model folder from the stored run
        QCOMPARE(fourBitLayer(top.plan), argBest(dr, true));
        QCOMPARE(top.sourceRunId, std::optional<std::int64_t>(a.runId));
        QCOMPARE(top.plan.layers[0].linears.size(), std::size_t(7));
        QCOMPARE(top.name, std::string("lieq dr"));
        p.scores.invert = true;
        QCOMPARE(fourBitLayer(choosePlan(p, f.modelDir, f.context()).plan), argBest(dr, false));
        p.scores.invert = false;
        p.scores.metric = "oracle";
        QCOMPARE(fourBitLayer(choosePlan(p, {}, f.context()).plan), argBest(dppl, true));

        // The layer table analyze writes, as CSV and JSON, chooses the same plans.
        const alloc::LayerTable table = layerTable(a, f.modelDir);
        const std::string csv = f.path("layers.csv"), json = f.path("layers.json");
        writeFileAtomic(csv, alloc::layerTableCsv(table));
        writeFileAtomic(json, alloc::layerTableJson(table));
        for (const std::string &file : {csv, json}) {
            PlanRequest t;
            t.budget = 2.5;
            t.scores.tableFile = file;
            const PlanResult fromFile = choosePlan(t, {}, f.context());
            QCOMPARE(fourBitLayer(fromFile.plan), argBest(dr, true));
            QCOMPARE(fromFile.scores->otherParams, table.otherParams);
            QVERIFY(table.otherParams > 0);
            t.scores.metric = "dppl";
            QCOMPARE(fourBitLayer(choosePlan(t, f.modelDir, f.context()).plan), argBest(dppl, true));
        }

        // No stored scores: the analysis runs (and is reused the second time).
        PlanRequest fresh;
        fresh.budget = 2.5;
        fresh.scores.analysis = smallAnalysis(f);
        const PlanResult viaAnalysis = choosePlan(fresh, f.modelDir, f.context());
        QVERIFY(viaAnalysis.scores->analysisReused);
        QCOMPARE(fourBitLayer(viaAnalysis.plan), argBest(dr, true));
    }

    void uniformFileAndErrors()
    {
        test::JobsFixture f;
        PlanRequest u;
        u.kind = PlanRequest::Kind::Uniform;
        u.uniformBits = 3;
        const PlanResult uniform = choosePlan(u, f.modelDir, f.context());
        QCOMPARE(uniform.plan.nominalBits(), 3.0);
        const std::string file = f.path("plan.json");
        alloc::savePlan(uniform.plan, file);
        PlanRequest fromFile;
        fromFile.kind = PlanRequest::Kind::File;
        fromFile.file = file;
        QCOMPARE(choosePlan(fromFile, f.modelDir, f.context()).plan.layerBits(), uniform.plan.layerBits());

        PlanRequest missing;
        missing.scores.analysisRun = 999;
        const std::string noStore = errorOf([&] { choosePlan(missing, f.modelDir, f.context()); });
        QVERIFY2(noStore.find(f.store) != std::string::npos, noStore.c_str());
        runAnalysis(smallAnalysis(f), f.context()); // now the store exists, without run 999
        const std::string noRun = errorOf([&] { choosePlan(missing, f.modelDir, f.context()); });
        QVERIFY2(noRun.find("no analysis run 999") != std::string::npos, noRun.c_str());
        QVERIFY(errorOf([] { canonicalScoreMetric("size"); }).find("\"size\" is not one of dr") !=
                std::string::npos);
        const std::string partial = f.path("partial.csv");
        writeFileAtomic(partial, "layer,params,dr\n0,100,0.5\n1,100,\n");
        PlanRequest bad;
        bad.scores.tableFile = partial;
        QVERIFY(!errorOf([&] { choosePlan(bad, {}, f.context()); }).empty());
    }
};

QTEST_GUILESS_MAIN(TestPlanJob)
#include "tst_planjob.moc"
