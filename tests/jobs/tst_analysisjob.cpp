// The analysis job (jobs::runAnalysis): rows streamed into the store, identical re-runs reused without
// computing, cancel and failure statuses, and a stored run read back equal to the computed one.
#include "core/jobs/analysis_job.h"
#include "core/model/model.h"
#include "core/store/experiment_store.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "tests/support/tiny_checkpoint.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <set>

using namespace lieq;
using namespace lieq::analysis;
using namespace lieq::jobs;

namespace {

struct Fixture
{
    QTemporaryDir tmp;
    std::string modelDir;
    std::string dataPath;
    std::string storePath;

    Fixture()
    {
        test::TinyModelSpec spec;
        spec.layers = 4;
        spec.hidden = 32;
        spec.intermediate = 64;
        modelDir = test::writeTinyCheckpoint(tmp.filePath(QStringLiteral("model")).toStdString(), spec);
        std::string text;
        for (int i = 0; i < 200; ++i)
            text += "The quick brown fox " + std::to_string(i) + " jumps over the lazy dog. ";
        dataPath = tmp.filePath(QStringLiteral("calib.txt")).toStdString();
        writeFileAtomic(dataPath, text);
        storePath = tmp.filePath(QStringLiteral("store.sqlite")).toStdString();
    }

    AnalysisRequest request() const
    {
        AnalysisRequest r;
        r.modelDir = modelDir;
        r.calibration.path = dataPath;
        r.calibration.samples = 3;
        r.calibration.seqlen = 48;
        r.calibration.seed = 4;
        return r;
    }

    JobContext context(ProgressFn progress = {}) const
    {
        JobContext c;
        c.store.path = storePath;
        c.progress = std::move(progress);
        return c;
    }
};

std::set<std::pair<int, std::string>> layerRowKeys(const store::AnalysisRunDetail &d)
{
    std::set<std::pair<int, std::string>> keys;
    for (const auto &m : d.layers)
        keys.insert({m.layer, m.metric});
    return keys;
}

} // namespace

class TestAnalysisJob : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { setComputeThreads(); }

    void storesAndReuses()
    {
        Fixture f;
        int streamed = 0;
        const AnalysisResult first = runAnalysis(f.request(), f.context(),
                                                 [&](DiagnosticsStage, const LayerDiagnostics &) { ++streamed; });
        QVERIFY(!first.reused);
        QVERIFY(first.runId > 0);
        QCOMPARE(streamed, 8);
        QCOMPARE(first.layerEvaluationsThisCall, std::int64_t(4 + 4 * 3 / 2));

        store::ExperimentStore db(f.storePath);
        const auto run = db.analysisRun(first.runId);
        QVERIFY(run);
        QCOMPARE(run->status, store::RunStatus::Done);
        const auto detail = db.loadAnalysisRun(first.runId);
        QVERIFY(detail);
        QCOMPARE(int(detail->layers.size()), 4 * 6); // dr dE compact compact_random dppl ppl_skipped
        QCOMPARE(int(detail->projections.size()), 4 * 7 * 8);

        // Read back: equal to what was computed.
        const DiagnosticsResult back = loadAnalysis(f.context(), first.runId).diagnostics;
        QCOMPARE(back.pplBase, first.diagnostics.pplBase);
        QCOMPARE(back.cost.layerEvaluations, first.diagnostics.cost.layerEvaluations);
        for (int l = 0; l < 4; ++l) {
            const auto &a = first.diagnostics.layers[std::size_t(l)];
            const auto &b = back.layers[std::size_t(l)];
            QCOMPARE(b.dppl, a.dppl);
            QCOMPARE(b.dr, a.dr);
            QCOMPARE(int(b.projections.size()), 7);
            for (int p = 0; p < 7; ++p) {
                QCOMPARE(b.projections[std::size_t(p)].projection, a.projections[std::size_t(p)].projection);
                QCOMPARE(b.projections[std::size_t(p)].dE, a.projections[std::size_t(p)].dE);
                QCOMPARE(b.projections[std::size_t(p)].k, a.projections[std::size_t(p)].k);
            }
        }

        // Identical request: the stored run comes back, nothing is computed, no new run.
        streamed = 0;
        const AnalysisResult again = runAnalysis(f.request(), f.context(),
                                                 [&](DiagnosticsStage, const LayerDiagnostics &) { ++streamed; });
        QVERIFY(again.reused);
        QCOMPARE(again.runId, first.runId);
        QCOMPARE(again.layerEvaluationsThisCall, std::int64_t(0));
        QCOMPARE(streamed, 8); // replayed for charts
        QCOMPARE(again.diagnostics.layers[2].dppl, first.diagnostics.layers[2].dppl);
        QCOMPARE(db.listRuns().total, std::int64_t(1));

        // Any setting that changes numbers, or --no-reuse, computes a new run.
        AnalysisRequest other = f.request();
        other.settings.initSeed = 99;
        QVERIFY(!runAnalysis(other, f.context()).reused);
        AnalysisRequest noReuse = f.request();
        noReuse.reuse = false;
        const AnalysisResult fresh = runAnalysis(noReuse, f.context());
        QVERIFY(!fresh.reused);
        QVERIFY(fresh.runId != first.runId);
        QCOMPARE(fresh.diagnostics.layers[1].dppl, first.diagnostics.layers[1].dppl); // deterministic
        QCOMPARE(db.listRuns().total, std::int64_t(3));
    }

    // Contract: a cancelled run is stored "cancelled" and holds exactly the layers the
    // callback received (each layer's rows are one transaction, written before the callback).
    void cancelKeepsStreamedLayersOnly_data()
    {
        QTest::addColumn<int>("cancelAfter");
        QTest::newRow("during spectra") << 2;
        QTest::newRow("during dppl") << 5;
    }
    void cancelKeepsStreamedLayersOnly()
    {
        QFETCH(int, cancelAfter);
        Fixture f;
        std::set<std::pair<int, std::string>> expected;
        int delivered = 0;
        bool stop = false;
        QVERIFY_THROWS_EXCEPTION(
            Cancelled,
            runAnalysis(
                f.request(), f.context([&](const Progress &) { return !stop; }),
                [&](DiagnosticsStage st, const LayerDiagnostics &l) {
                    if (st == DiagnosticsStage::Spectral)
                        for (const char *m : {"dr", "dE", "compact", "compact_random"})
                            expected.insert({l.layer, m});
                    else
                        for (const char *m : {"dppl", "ppl_skipped"})
                            expected.insert({l.layer, m});
                    stop = ++delivered == cancelAfter;
                }));
        QCOMPARE(delivered, cancelAfter);
        store::ExperimentStore db(f.storePath);
        const auto runs = db.listRuns();
        QCOMPARE(runs.total, std::int64_t(1));
        QCOMPARE(runs.runs[0].status, store::RunStatus::Cancelled);
        const auto detail = db.loadAnalysisRun(runs.runs[0].id);
        QCOMPARE(layerRowKeys(*detail), expected);
        // A cancelled run is never reused: the next identical request computes.
        QVERIFY(!runAnalysis(f.request(), f.context()).reused);
    }

    void failureIsStored()
    {
        Fixture f;
        AnalysisRequest r = f.request();
        r.calibration.seqlen = 100000; // longer than the text: fails after the run began
        QVERIFY_THROWS_EXCEPTION(Error, runAnalysis(r, f.context()));
        store::ExperimentStore db(f.storePath);
        const auto runs = db.listRuns();
        QCOMPARE(runs.total, std::int64_t(1));
        QCOMPARE(runs.runs[0].status, store::RunStatus::Failed);
        QVERIFY(runs.runs[0].errorText.find("tokens") != std::string::npos);
    }

    void withoutStore()
    {
        Fixture f;
        AnalysisRequest r = f.request();
        r.settings.setMetrics("compact");
        JobContext c = f.context();
        c.store.enabled = false;
        const AnalysisResult o = runAnalysis(r, c);
        QCOMPARE(o.runId, std::int64_t(0));
        QVERIFY(std::isnan(o.diagnostics.layers[0].dppl));
        QVERIFY(std::isfinite(o.diagnostics.layers[0].dr));
        QVERIFY(std::isnan(o.diagnostics.layers[0].dE)); // energy not asked for
        QVERIFY(!QFile::exists(QString::fromStdString(f.storePath)));
    }
};

QTEST_GUILESS_MAIN(TestAnalysisJob)
#include "tst_analysisjob.moc"
