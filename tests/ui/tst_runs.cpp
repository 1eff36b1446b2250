// Runs and history: the run queue model (tester, Pareto front, % of FP16), a real evaluation
// run on stories260K started and cancelled, then run to the end while a watchdog measures the
// longest GUI-thread stall; the history over a real experiment store (list, filter, reopen,
// compare, delete).
#include "core/jobs/evaluate_job.h"
#include "core/model/model.h"
#include "core/store/experiment_store.h"
#include "tests/support/testutil.h"
#include "ui/historymodel.h"
#include "ui/historypanel.h"
#include "ui/jobrunner.h"
#include "ui/languagemanager.h"
#include "ui/layermetricsmodel.h"
#include "ui/layerview.h"
#include "ui/runexecutors.h"
#include "ui/runqueue.h"
#include "ui/runqueuemodel.h"
#include "ui/runspanel.h"
#include "tests/ui/stallwatchdog.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QElapsedTimer>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QPushButton>
#include <QAction>
#include <QDir>
#include <QFile>
#include <QMenu>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <QTimer>

#include <cmath>
#include <cstdio>

using namespace lieq::ui;

namespace {
RunRequest evalRequest(const std::string &model, const std::string &data, int windows)
{
    RunRequest r;
    r.kind = RunRequest::Kind::Evaluate;
    r.backend = "fp16";
    r.modelPath = QString::fromStdString(model);
    r.evaluationData = QString::fromStdString(data);
    r.seqlen = 256;
    r.maxEvalWindows = windows;
    return r;
}
} // namespace

class TestRuns : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { lieq::setComputeThreads(0); }

    void queueModelTesterAndPareto()
    {
        RunQueueModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        struct Row { double bits, ppl; };
        const Row rows[] = {{16, 10.0}, {4.2, 10.5}, {4.3, 11.0}, {2.1, 30.0}, {2.2, 25.0}, {3.0, 40.0}};
        for (const Row &r : rows) {
            RunRequest req;
            req.kind = r.bits == 16 ? RunRequest::Kind::Evaluate : RunRequest::Kind::Quantize;
            const int id = model.add(req);
            RunResult res;
            res.ppl = r.ppl;
            res.effectiveBits = r.bits;
            model.setStatus(id, RunQueueModel::Status::Running);
            model.setProgress(id, 0.5, 3, QStringLiteral("perplexity"));
            model.setResult(id, res);
            model.setStatus(id, RunQueueModel::Status::Done);
        }
        // (4.3, 11) is dominated by (4.2, 10.5); (3.0, 40) by (2.2, 25).
        QCOMPARE(model.paretoRows(), (std::vector<int>{0, 1, 3, 4}));
        QCOMPARE(model.baselinePpl(1), 10.0);
        QCOMPARE(model.index(1, RunQueueModel::RecoveredCol).data().toString(), QStringLiteral("95.2%"));
        QVERIFY(model.remove(2));
        QCOMPARE(model.rowCount(), 5);
        RunQueue queue(new JobRunner(&model), &model);
        RunsPanel panel(&queue);
        QCOMPARE(panel.chartPointCount(), 5);
        QCOMPARE(panel.paretoPointCount(), 4);
    }

    // Task data: tasks whose files the folder lacks are disabled and their tooltips name the
    // files; without a folder the button says where to set one.
    void taskDataFolderDecidesTasks()
    {
        QTemporaryDir dir;
        QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("boolq")));
        QFile boolq(dir.filePath(QStringLiteral("boolq/dev.jsonl")));
        QVERIFY(boolq.open(QIODevice::WriteOnly));
        boolq.write(R"({"question": "q", "passage": "p", "answer": true})" "\n");
        boolq.close();
        RunQueueModel model;
        JobRunner jobs;
        RunQueue queue(&jobs, &model);
        RunsPanel panel(&queue);
        const std::string folder = dir.path().toStdString();
        panel.setTaskData(dir.path(), lieq::jobs::taskDataStatus(folder));
        QAction *boolqAction = nullptr, *piqaAction = nullptr;
        for (QAction *a : panel.tasksMenu()->actions()) {
            if (a->data().toString() == QLatin1StringView("boolq"))
                boolqAction = a;
            if (a->data().toString() == QLatin1StringView("piqa"))
                piqaAction = a;
        }
        QVERIFY(boolqAction && piqaAction);
        QVERIFY(boolqAction->isEnabled());
        QVERIFY(!piqaAction->isEnabled());
        QVERIFY2(piqaAction->toolTip().contains(QStringLiteral("piqa/valid.jsonl")), qPrintable(piqaAction->toolTip()));
        panel.setTasks({"piqa", "boolq"});
        QCOMPARE(panel.tasks(), std::vector<std::string>{"boolq"}); // piqa cannot run here
        panel.setTaskData({}, lieq::jobs::taskDataStatus({}));
        QVERIFY(panel.tasks().empty());
    }

    // A quantization run without a core pipeline fails with a clear message, not silently.
    void missingBackendFailsClearly()
    {
        RunQueueModel model;
        JobRunner jobs;
        RunQueue queue(&jobs, &model);
        QSignalSpy failed(&queue, &RunQueue::runFailed);
        RunRequest r;
        r.kind = RunRequest::Kind::Quantize;
        const int id = queue.enqueue(r);
        QCOMPARE(failed.count(), 1);
        QCOMPARE(model.entry(id)->status, RunQueueModel::Status::Failed);
        QVERIFY(failed.first().at(1).toString().contains(QStringLiteral("not available")));
    }

    // Start a real evaluation run, cancel it from the panel's Cancel button, then queue two
    // more: they run one after the other, and the GUI thread never stalls long meanwhile.
    void startCancelAndRunWithoutStalls()
    {
        LIEQ_REQUIRE_SHARED(modelDir, "models/stories260K-hf");
        LIEQ_REQUIRE_SHARED(text, "data/wikitext-2-raw/wiki.test.hf_joined.txt");
        RunQueueModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        JobRunner jobs;
        RunQueue queue(&jobs, &model);
        queue.setExecutor(RunRequest::Kind::Evaluate, &evaluateUnquantized);
        RunsPanel panel(&queue);
        panel.show();
        QSignalSpy started(&queue, &RunQueue::runStarted);
        QSignalSpy cancelled(&queue, &RunQueue::runCancelled);
        QSignalSpy available(&queue, &RunQueue::runAvailable);

        const int big = queue.enqueue(evalRequest(modelDir, text, 2000));
        QCOMPARE(started.count(), 1);
        QTRY_VERIFY_WITH_TIMEOUT(model.entry(big)->fraction > 0, 30000);
        QVERIFY(panel.cancelButton()->isEnabled());
        panel.cancelButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(cancelled.count(), 1, 30000);
        QCOMPARE(model.entry(big)->status, RunQueueModel::Status::Cancelled);
        QCOMPARE(available.count(), 0);

        StallWatchdog watchdog;
        const int a = queue.enqueue(evalRequest(modelDir, text, 60));
        const int b = queue.enqueue(evalRequest(modelDir, text, 30));
        QCOMPARE(model.entry(b)->status, RunQueueModel::Status::Queued); // one at a time
        QTRY_COMPARE_WITH_TIMEOUT(available.count(), 2, 120000);
        const double pplA = model.entry(a)->result.ppl, pplB = model.entry(b)->result.ppl;
        QVERIFY(std::isfinite(pplA) && pplA > 1 && pplA < 512); // better than uniform over 512 tokens
        QVERIFY(std::isfinite(pplB) && pplB > 1 && pplB < 512);
        QCOMPARE(panel.chartPointCount(), 2);
        watchdog.stop();
        std::printf("GUI-thread longest stall during evaluation runs: %s\n", qPrintable(watchdog.summary()));
        // Generous: catches real blocking work on the GUI thread, not a loaded machine's jitter.
        QVERIFY2(watchdog.longestMs() < 1000, qPrintable(QString::number(watchdog.longestMs())));
    }

    void historyOverStore()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("experiments.sqlite")).toStdString();
        std::int64_t runA = 0, runB = 0;
        {
            lieq::store::ExperimentStore s(path);
            lieq::store::ModelRecord m;
            m.path = "/models/tiny";
            m.name = "tiny";
            m.fingerprint = "f00d";
            m.architecture = "LlamaForCausalLM";
            m.layerCount = 3;
            const auto modelId = s.upsertModel(m);
            lieq::store::DatasetRecord d;
            d.path = "/data/wiki.txt";
            d.kind = "text";
            d.contentHash = "abc";
            const auto dataId = s.upsertDataset(d);
            for (int run = 0; run < 2; ++run) {
                lieq::store::AnalysisRunSpec spec;
                spec.modelId = modelId;
                spec.datasetId = dataId;
                spec.settingsJson = run == 0 ? R"({"seqlen":512})" : R"({"seqlen":256})";
                const auto id = s.beginAnalysisRun(spec);
                for (int l = 0; l < 3; ++l)
                    s.appendLayerMetrics(id, {{l, "dr", 0.1 * (l + 1) + run}, {l, "dppl", 1.0 + l}});
                s.finishAnalysisRun(id, {});
                (run == 0 ? runA : runB) = id;
            }
        }
        JobRunner jobs;
        HistoryPanel panel(&jobs);
        QAbstractItemModelTester tester(panel.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy listed(&panel, &HistoryPanel::historyAvailable);
        panel.setStorePath(QString::fromStdString(path));
        QTRY_COMPARE_WITH_TIMEOUT(listed.count(), 1, 10000);
        QCOMPARE(panel.model()->rowCount(), 2);
        QCOMPARE(panel.model()->index(0, HistoryModel::ModelCol).data().toString(), QStringLiteral("tiny"));

        panel.modelFilter()->setText(QStringLiteral("nothing-like-this"));
        panel.refresh();
        QTRY_COMPARE_WITH_TIMEOUT(listed.count(), 2, 10000);
        QCOMPARE(panel.model()->rowCount(), 0);
        panel.modelFilter()->setText(QStringLiteral("tin"));
        panel.refresh();
        QTRY_COMPARE_WITH_TIMEOUT(listed.count(), 3, 10000);
        QCOMPARE(panel.model()->rowCount(), 2);

        QSignalSpy reopened(&panel, &HistoryPanel::analysisReopened);
        const int rowA = panel.model()->at(0).id == runA ? 0 : 1;
        panel.reopen(rowA);
        QTRY_COMPARE_WITH_TIMEOUT(reopened.count(), 1, 10000);
        const auto detail = reopened.first().first().value<lieq::store::AnalysisRunDetail>();
        QCOMPARE(detail.run.id, runA);
        QCOMPARE(detail.layers.size(), std::size_t(6));

        QSignalSpy compared(&panel, &HistoryPanel::comparisonAvailable);
        panel.compare(0, 1);
        QTRY_COMPARE_WITH_TIMEOUT(compared.count(), 1, 10000);
        const QString html = compared.first().first().toString();
        QVERIFY(html.contains(QStringLiteral("#%1").arg(runA)) && html.contains(QStringLiteral("#%1").arg(runB)));
        QVERIFY(html.contains(QStringLiteral("1.3000"))); // run B's dr of layer 2: 0.3 + 1

        panel.remove(rowA);
        QTRY_COMPARE_WITH_TIMEOUT(listed.count(), 4, 10000);
        QCOMPARE(panel.model()->rowCount(), 1);
        QCOMPARE(panel.model()->at(0).id, runB);
    }

    void historyErrorsReported()
    {
        QTemporaryDir dir;
        const QString bogus = dir.filePath(QStringLiteral("not-a-db.sqlite"));
        QFile f(bogus);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("this is not an sqlite file at all, just text long enough to have a header.....");
        f.close();
        JobRunner jobs;
        HistoryPanel panel(&jobs);
        QSignalSpy failed(&panel, &HistoryPanel::historyFailed);
        panel.setStorePath(bogus);
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 10000);
        QVERIFY2(failed.first().first().toString().contains(QStringLiteral("not-a-db.sqlite")),
                 qPrintable(failed.first().first().toString()));
    }

    // The panels' fixed texts (TranslatedTexts: stated where each widget is made) follow a
    // language switch and come back; the German texts are the catalogue's entries for each
    // panel's own class.
    void panelTextsFollowLanguage()
    {
        RunQueueModel model;
        JobRunner jobs;
        RunQueue queue(&jobs, &model);
        RunsPanel runs(&queue);
        HistoryPanel history(&jobs);
        LayerMetricsModel layers;
        LayerView layerView(&layers);
        QCOMPARE(runs.quantizeButton()->text(), QStringLiteral("Queue quantization"));
        QCOMPARE(history.windowTitle(), QStringLiteral("History"));
        QCOMPARE(layerView.modeBox()->itemText(1), QStringLiteral("Per projection"));
        QVERIFY(LanguageManager::apply(QStringLiteral("de")));
        // LanguageChange reaches the widgets as posted events.
        QTRY_COMPARE(runs.quantizeButton()->text(), QString::fromUtf8("Quantisierung einreihen"));
        QCOMPARE(runs.groupSizeBox()->specialValueText(), QStringLiteral("pro Zeile"));
        QCOMPARE(runs.windowTitle(), QString::fromUtf8("Läufe"));
        QTRY_COMPARE(history.windowTitle(), QStringLiteral("Verlauf"));
        QVERIFY(history.modelFilter()->placeholderText().startsWith(QStringLiteral("Nach Modellname")));
        QTRY_COMPARE(layerView.modeBox()->itemText(1), QStringLiteral("Pro Projektion"));
        QCOMPARE(layerView.analyzeButton()->text(), QStringLiteral("Analyse starten (F5)"));
        QVERIFY(LanguageManager::apply(QStringLiteral("en")));
        QTRY_COMPARE(runs.quantizeButton()->text(), QStringLiteral("Queue quantization"));
        QTRY_COMPARE(history.windowTitle(), QStringLiteral("History"));
        QTRY_COMPARE(layerView.modeBox()->itemText(1), QStringLiteral("Per projection"));
    }
};

QTEST_MAIN(TestRuns)
#include "tst_runs.moc"
