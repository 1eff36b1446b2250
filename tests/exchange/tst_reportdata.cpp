// Report data from the store (curves, correlations, plan bits, results table, CSV) and
// experiment snapshots restored into another store (identical rows, idempotent, refusals).
#include "core/analysis/statistics.h"
#include "core/exchange/experiment_snapshot.h"
#include "core/exchange/report_data.h"
#include "core/exchange/results_table.h"
#include "core/exchange/experiment_restore.h"
#include "core/store/experiment_store.h"
#include "core/store/statement.h"
#include "core/util/error.h"
#include "tests/exchange/experiment_fixture.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace lieq;
using namespace lieq::exchange;
using lieq::store::ExperimentStore;

namespace {

std::int64_t rows(ExperimentStore &s, const std::string &table)
{
    store::Statement st(s.database(), "SELECT count(*) FROM " + table);
    return st.step() ? st.columnInt(0) : -1;
}

std::int64_t allRows(ExperimentStore &s)
{
    std::int64_t n = 0;
    for (const char *t : {"models", "datasets", "analysis_runs", "analysis_layer_metrics", "analysis_projection_metrics",
                          "plans", "quant_runs", "quant_module_losses", "eval_results"})
        n += rows(s, t);
    return n;
}

} // namespace

class TestReportData : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void collectsWhatAQuantRunReferences()
    {
        QTemporaryDir dir;
        ExperimentStore s(dir.filePath(QStringLiteral("s.sqlite")).toStdString());
        ExperimentFixture f;
        f.write(s);
        const ReportData d = collectReport(s, {parseRunRef("q" + std::to_string(f.rtnId))});
        QCOMPARE(d.quantRuns.size(), std::size_t(1));
        QCOMPARE(d.analyses.size(), std::size_t(1)); // the plan's source run comes along
        QCOMPARE(d.analyses[0].detail.run.id, f.analysisId);
        QCOMPARE(d.models.size(), std::size_t(1));
        QCOMPARE(d.datasets.size(), std::size_t(1));
        QCOMPARE(d.baselines.size(), std::size_t(2));
        QCOMPARE(d.quantRuns[0].layerBits, (std::vector<int>{4, 2, 2, 2, 2, 2, 2, 2}));
        QCOMPARE(d.quantRuns[0].evals.size(), std::size_t(3));
        QCOMPARE(d.analyses[0].dppl, f.dppl);
        QCOMPARE(d.analyses[0].dr, f.dr);
        QCOMPARE(d.analyses[0].dE, f.dE);
        QCOMPARE(d.title, std::string("LieQ report: tiny-qwen3"));
    }

    void correlationsMatchTheStatistics_data()
    {
        QTest::addColumn<int>("method");
        QTest::newRow("spearman") << int(analysis::CorrelationMethod::Spearman);
        QTest::newRow("pearson") << int(analysis::CorrelationMethod::Pearson);
        QTest::newRow("kendall") << int(analysis::CorrelationMethod::Kendall);
    }
    void correlationsMatchTheStatistics()
    {
        QFETCH(int, method);
        QTemporaryDir dir;
        ExperimentStore s(dir.filePath(QStringLiteral("s.sqlite")).toStdString());
        ExperimentFixture f;
        f.write(s);
        ReportOptions o;
        o.bootstrapResamples = 500;
        const ReportData d = collectReport(s, {parseRunRef(std::to_string(f.analysisId))}, o);
        const auto m = analysis::CorrelationMethod(method);
        const auto expected = analysis::correlate(m, f.dppl, f.dr);
        bool found = false;
        for (const ReportCorrelation &c : d.analyses[0].correlations) {
            if (c.method != m)
                continue;
            found = true;
            QCOMPARE(c.value.coefficient, expected.coefficient);
            QCOMPARE(c.value.pValue, expected.pValue);
            QCOMPARE(c.value.n, std::size_t(8));
            QCOMPARE(c.ci.resamples, 500);
            QVERIFY(c.ci.low <= c.value.coefficient && c.value.coefficient <= c.ci.high);
        }
        QVERIFY(found);
        QVERIFY(d.quantRuns.empty());
    }

    void resultsTable()
    {
        QTemporaryDir dir;
        ExperimentStore s(dir.filePath(QStringLiteral("s.sqlite")).toStdString());
        ExperimentFixture f;
        f.write(s);
        const ReportData d = collectReport(s, parseRunRefs({"q" + std::to_string(f.gptqId), "q" + std::to_string(f.rtnId)}));
        const ResultsTable t = buildResultsTable(d);
        QCOMPARE(t.columns.size(), std::size_t(3));
        QCOMPARE(t.columns[0].label(), std::string("wikitext2 ppl"));
        QCOMPARE(t.columns[1].label(), std::string("wikitext2 kl"));
        QCOMPARE(t.columns[2].label(), std::string("piqa acc"));
        QCOMPARE(t.primaryPplColumn(), 0);
        QCOMPARE(t.rows.size(), std::size_t(3));
        QCOMPARE(t.rows[0].method, std::string("fp16"));
        QCOMPARE(t.rows[0].values[0], 232.61);
        QVERIFY(std::isnan(t.rows[0].values[1])); // no KL of FP16 against itself
        QCOMPARE(*t.rows[1].quantRunId, f.gptqId);
        QCOMPARE(t.rows[1].values[0], 312.7);
        QCOMPARE(t.rows[2].values[1], 2.91);
        QCOMPARE(t.rows[2].nominalBits, 2.25);
        const std::string csv = resultsCsv(t);
        QVERIFY(csv.rfind("run,method,nominal_bits,effective_bits,bytes,seconds,wikitext2:ppl,wikitext2:kl,piqa:acc\n", 0) == 0);
        QVERIFY(csv.find("q" + std::to_string(f.rtnId) + ",rtn,2.25,2.53,,9.5,1843.2,2.91,0.545\n") != std::string::npos);
        const std::string layers = layersCsv(d);
        QVERIFY(layers.rfind("analysis_run,layer,dppl,dr,dE,bits_q" + std::to_string(f.gptqId), 0) == 0);
        QVERIFY(layers.find("\na" + std::to_string(f.analysisId) + ",0,412.5,0.61,0.3,4,4\n") != std::string::npos);
        const auto j = nlohmann::json::parse(reportJson(d, t));
        QCOMPARE(j["results"]["rows"].size(), std::size_t(3));
        QCOMPARE(j["analyses"][0]["dppl_vs_dr"].size(), std::size_t(3));
    }

    void klStatisticsJoinTheTable()
    {
        QTemporaryDir dir;
        ExperimentStore s(dir.filePath(QStringLiteral("s.sqlite")).toStdString());
        ExperimentFixture f;
        f.write(s);
        store::KlStatsRecord k;
        k.quantRunId = f.gptqId;
        k.referenceModelId = f.modelId;
        k.windows = 4;
        k.seqlen = 128;
        k.positions = 508;
        k.klMean = 0.125;
        k.klP99 = 1.5;
        k.top1 = 0.8;
        s.addKlStats(k);
        const ResultsTable t = buildResultsTable(collectReport(s, {parseRunRef("q" + std::to_string(f.gptqId))}));
        int col = -1;
        for (std::size_t c = 0; c < t.columns.size(); ++c)
            if (t.columns[c].label() == "vs FP16 kl_mean")
                col = int(c);
        QVERIFY(col >= 0);
        QCOMPARE(t.rows.back().values[std::size_t(col)], 0.125);
        QVERIFY(std::isnan(t.rows.front().values[std::size_t(col)])); // FP16 itself
    }

    void unknownRunIsAnError_data()
    {
        QTest::addColumn<QString>("ref");
        QTest::newRow("analysis") << "a99";
        QTest::newRow("quant") << "q99";
    }
    void unknownRunIsAnError()
    {
        QFETCH(QString, ref);
        QTemporaryDir dir;
        ExperimentStore s(dir.filePath(QStringLiteral("s.sqlite")).toStdString());
        ExperimentFixture f;
        f.write(s);
        QVERIFY_THROWS_EXCEPTION(Error, collectReport(s, {parseRunRef(ref.toStdString())}));
        QVERIFY_THROWS_EXCEPTION(Error, parseRunRef("x1"));
        QVERIFY_THROWS_EXCEPTION(Error, parseRunRef("q"));
        QVERIFY_THROWS_EXCEPTION(Error, parseRunRef("q-3"));
    }

    void snapshotRestoresIdenticalRowsOnce()
    {
        QTemporaryDir dir;
        ExperimentStore a(dir.filePath(QStringLiteral("a.sqlite")).toStdString());
        ExperimentFixture f;
        f.write(a);
        const auto refs = parseRunRefs({"q" + std::to_string(f.rtnId), "q" + std::to_string(f.gptqId)});
        ReportOptions o;
        o.bootstrapResamples = 0;
        const ReportData before = collectReport(a, refs, o);
        const std::string snap = experimentSnapshotJson(before);

        ExperimentStore b(dir.filePath(QStringLiteral("b.sqlite")).toStdString());
        // Something already there, so ids differ between the stores.
        store::ModelRecord other;
        other.path = "/other";
        other.fingerprint = "other";
        b.upsertModel(other);
        RestoreOptions ro;
        ro.outputPaths[f.gptqId] = "/imported/q-gptq";
        const RestoreResult r = restoreExperiment(b, snap, "test", ro);
        QCOMPARE(r.runs.size(), std::size_t(3));
        QCOMPARE(r.alreadyPresent, 0);
        std::vector<RunRef> restored;
        for (const RunRef &x : r.runs)
            if (x.kind == store::RunKind::Quant)
                restored.push_back(x);
        const ReportData after = collectReport(b, restored, o);
        QCOMPARE(after.quantRuns.size(), std::size_t(2));
        QCOMPARE(after.analyses.size(), std::size_t(1));
        const auto &ad = before.analyses[0].detail, &bd = after.analyses[0].detail;
        QCOMPARE(bd.layers.size(), ad.layers.size());
        QCOMPARE(bd.projections.size(), ad.projections.size());
        QCOMPARE(bd.run.settingsHash, ad.run.settingsHash);
        QCOMPARE(bd.run.createdAtMs, ad.run.createdAtMs);
        QCOMPARE(*bd.run.finishedAtMs, *ad.run.finishedAtMs);
        QCOMPARE(bd.run.timingsJson, ad.run.timingsJson);
        QCOMPARE(bd.run.wallSeconds, ad.run.wallSeconds);
        QCOMPARE(*bd.run.seed, *ad.run.seed);
        for (std::size_t i = 0; i < 2; ++i) {
            const auto &qa = before.quantRuns[i].detail, &qb = after.quantRuns[i].detail;
            QCOMPARE(qb.run.method, qa.run.method);
            QCOMPARE(qb.run.settingsHash, qa.run.settingsHash);
            QCOMPARE(qb.run.createdAtMs, qa.run.createdAtMs);
            QCOMPARE(qb.losses.size(), qa.losses.size());
            QCOMPARE(qb.plan.bitsJson, qa.plan.bitsJson);
            QCOMPARE(*qb.plan.sourceRunId, bd.run.id);
            QCOMPARE(after.quantRuns[i].evals.size(), before.quantRuns[i].evals.size());
            QCOMPARE(after.quantRuns[i].evals[2].value, before.quantRuns[i].evals[2].value);
        }
        QCOMPARE(after.quantRuns[1].detail.run.outputPath, std::string("/imported/q-gptq"));
        QCOMPARE(after.baselines.size(), before.baselines.size());
        QCOMPARE(buildResultsTable(after).rows.size(), std::size_t(3));

        const std::int64_t count = allRows(b);
        const RestoreResult again = restoreExperiment(b, snap, "test");
        QCOMPARE(again.added, 0);
        QVERIFY(again.alreadyPresent >= 3 + 1 + 8); // runs, the plan, evaluation rows
        QCOMPARE(allRows(b), count);
    }

    void malformedSnapshotLeavesTheStoreAlone_data()
    {
        QTest::addColumn<QString>("mutation");
        QTest::addColumn<QString>("message");
        QTest::newRow("not json") << "text" << "malformed JSON";
        QTest::newRow("wrong schema") << "schema" << "is not an experiment snapshot";
        QTest::newRow("newer version") << "version" << "schemaVersion 99";
        QTest::newRow("missing field") << "nofield" << "quant_runs[1].method is missing";
        QTest::newRow("wrong type") << "type" << "analysis_runs[0].created_at has the wrong type";
        QTest::newRow("dangling reference") << "ref" << "evals[0].quant_run_id refers to";
        QTest::newRow("bad metric row") << "row" << "layer_metrics holds a row";
        QTest::newRow("bad status") << "status" << "status is not a run status";
    }
    void malformedSnapshotLeavesTheStoreAlone()
    {
        QFETCH(QString, mutation);
        QFETCH(QString, message);
        QTemporaryDir dir;
        ExperimentStore a(dir.filePath(QStringLiteral("a.sqlite")).toStdString());
        ExperimentFixture f;
        f.write(a);
        ReportOptions o;
        o.bootstrapResamples = 0;
        auto j = nlohmann::json::parse(experimentSnapshotJson(
            collectReport(a, parseRunRefs({"q" + std::to_string(f.rtnId), "q" + std::to_string(f.gptqId)}), o)));
        std::string text;
        if (mutation == QLatin1String("text"))
            text = "{\"schema\": ";
        else if (mutation == QLatin1String("schema"))
            j["schema"] = "something.else";
        else if (mutation == QLatin1String("version"))
            j["schemaVersion"] = 99;
        else if (mutation == QLatin1String("nofield"))
            j["quant_runs"][1].erase("method");
        else if (mutation == QLatin1String("type"))
            j["analysis_runs"][0]["created_at"] = "yesterday";
        else if (mutation == QLatin1String("ref"))
            j["evals"][0]["quant_run_id"] = 4242;
        else if (mutation == QLatin1String("row"))
            j["analysis_runs"][0]["layer_metrics"][3] = {1, "dppl"};
        else if (mutation == QLatin1String("status"))
            j["quant_runs"][0]["status"] = "exploded";
        if (text.empty())
            text = j.dump();
        ExperimentStore b(dir.filePath(QStringLiteral("b.sqlite")).toStdString());
        try {
            restoreExperiment(b, text, "bundle.zip: experiment.json");
            QFAIL("expected an error");
        } catch (const Error &e) {
            const QString what = QString::fromUtf8(e.what());
            QVERIFY2(what.contains(message) && what.contains(QStringLiteral("bundle.zip")), e.what());
        }
        QCOMPARE(allRows(b), std::int64_t(0));
    }
};

QTEST_GUILESS_MAIN(TestReportData)
#include "tst_reportdata.moc"
