// Quantization runs from the assembled workbench on stories260K (skipped without ../shared):
// per-module progress in the runs table; Cancel gives the Cancelled state and leaves the store
// consistent (the run "cancelled", whole layers of module losses, no checkpoint folder, no
// evaluation rows); a short run to completion with perplexity, a zero-shot task and "% of FP16"
// against a baseline run, in the table, the PPL-vs-bits chart and a side-by-side comparison;
// reopened from History in a new session; the longest GUI-thread stall during it. Also the
// device and thread settings: round trip, and they reach the requests.
#include "core/model/device.h"
#include "core/store/experiment_store.h"
#include "tests/support/testutil.h"
#include "tests/ui/stallwatchdog.h"
#include "ui/appsettings.h"
#include "ui/budgetpanel.h"
#include "ui/historymodel.h"
#include "ui/historypanel.h"
#include "ui/mainwindow.h"
#include "ui/runqueue.h"
#include "ui/runqueuemodel.h"
#include "ui/runspanel.h"
#include "ui/settingsdialog.h"
#include "ui/workbench.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QItemSelectionModel>
#include <QPushButton>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <cmath>
#include <cstdio>

using namespace lieq::ui;

class TestQuantRun : public QObject
{
    Q_OBJECT

    // Opens stories260K in `wb` and sets a budget of one 4-bit layer out of five.
    static bool openStories(Workbench &wb, const std::string &modelDir)
    {
        QSignalSpy opened(wb.window(), &MainWindow::modelOpened);
        wb.show(QString::fromStdString(modelDir));
        if (!QTest::qWaitFor([&] { return opened.count() == 1; }, 30000))
            return false;
        wb.budget()->setBudget(2.4);
        return wb.budget()->plan().has_value();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("LieQTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_quantrun"));
        QVERIFY(m_tmp.isValid());
        AppSettings::setStorePath(m_tmp.filePath(QStringLiteral("store.sqlite")));
        AppSettings::setDataDirectory({});
    }

    void deviceAndThreadsRoundTrip()
    {
        SettingsDialog d;
        QComboBox *device = d.deviceBox();
        QCOMPARE(device->count(), 2);
        QCOMPARE(device->itemData(0).toString(), QStringLiteral("cpu"));
        QCOMPARE(device->itemData(1).toString(), QStringLiteral("cuda"));
        // CUDA is offered exactly when core finds a usable GPU.
        auto *items = qobject_cast<QStandardItemModel *>(device->model());
        QVERIFY(items);
        QCOMPARE(items->item(1)->isEnabled(), lieq::cudaAvailable());
        QCOMPARE(AppSettings::cudaAvailable(), lieq::cudaAvailable());

        d.threadsBox()->setValue(1);
        device->setCurrentIndex(0);
        d.apply();
        QCOMPARE(AppSettings::threads(), 1);
        QCOMPARE(AppSettings::device(), QStringLiteral("cpu"));
        SettingsDialog again;
        QCOMPARE(again.threadsBox()->value(), 1);
        QCOMPARE(again.deviceBox()->currentData().toString(), QStringLiteral("cpu"));

        // A saved "cuda" falls back to the CPU where there is no GPU.
        AppSettings::setDevice(QStringLiteral("cuda"));
        QCOMPARE(AppSettings::device(), lieq::cudaAvailable() ? QStringLiteral("cuda") : QStringLiteral("cpu"));
        AppSettings::setDevice(QStringLiteral("cpu"));
        AppSettings::setThreads(QThread::idealThreadCount());
    }

    void progressPerModuleAndCancel()
    {
        LIEQ_REQUIRE_SHARED(modelDir, "models/stories260K-hf");
        LIEQ_REQUIRE_SHARED(text, "data/wikitext-2-raw/wiki.test.hf_joined.txt");
        const QString storePath = m_tmp.filePath(QStringLiteral("cancel.sqlite"));
        AppSettings::setStorePath(storePath);
        AppSettings::setCalibrationData(QString::fromStdString(text));
        AppSettings::setEvaluationData(QString::fromStdString(text));
        Workbench wb;
        RunQueueModel *model = wb.runQueue()->model();
        QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(openStories(wb, modelDir));

        RunsPanel *runs = wb.runsPanel();
        QVERIFY(runs->quantizeButton()->isEnabled()); // the pipeline is wired
        runs->backendBox()->setCurrentText(QStringLiteral("gptq"));
        runs->calibrationBox()->setValue(kLongCalibration); // long enough to cancel mid-way
        runs->saveCheckpointBox()->setChecked(true);
        QSignalSpy cancelled(wb.runQueue(), &RunQueue::runCancelled);
        QSignalSpy available(wb.runQueue(), &RunQueue::runAvailable);
        runs->quantizeButton()->click();
        QCOMPARE(model->rowCount(), 1);
        const int id = model->at(0).id;
        QCOMPARE(model->entry(id)->request.device, AppSettings::device());
        QCOMPARE(model->entry(id)->request.threads, AppSettings::threads());

        // Per module: the status names the layer and projection being quantized.
        const QRegularExpression perModule(QStringLiteral("layer (\\d+) (q|k|v|o|gate|up|down)_proj \\((\\d+)/35\\)"));
        QTRY_VERIFY_WITH_TIMEOUT(perModule.match(model->entry(id)->stage).hasMatch(), 120000);
        const QString seen = model->index(0, RunQueueModel::StatusCol).data().toString();
        std::printf("status while quantizing: \"%s\", progress \"%s\"\n", qPrintable(seen),
                    qPrintable(model->index(0, RunQueueModel::ProgressCol).data().toString()));
        QVERIFY2(perModule.match(seen).hasMatch() || seen.contains(QStringLiteral("quantizing")), qPrintable(seen));
        QVERIFY(model->entry(id)->fraction < 1.0);

        QElapsedTimer clock;
        clock.start();
        QVERIFY(runs->cancelButton()->isEnabled());
        runs->cancelButton()->click();
        // The pipeline polls between modules and inside the GPTQ/AWQ searches; the longest
        // step without a poll is one module's capture (a layer forward over the calibration
        // batch), seconds here.
        QTRY_COMPARE_WITH_TIMEOUT(cancelled.count(), 1, 120000);
        std::printf("cancel took effect after %lld ms\n", (long long)clock.elapsed());
        QCOMPARE(model->entry(id)->status, RunQueueModel::Status::Cancelled);
        QCOMPARE(model->index(0, RunQueueModel::StatusCol).data().toString(), RunQueueModel::statusName(RunQueueModel::Status::Cancelled));
        QCOMPARE(available.count(), 0);
        QTRY_VERIFY_WITH_TIMEOUT(!runs->cancelButton()->isEnabled(), 10000);

        // Nothing half-written: the run is recorded as cancelled with whole layers only.
        lieq::store::ExperimentStore s(storePath.toStdString());
        lieq::store::RunFilter f;
        f.kind = lieq::store::RunKind::Quant;
        const auto page = s.listRuns(f);
        QCOMPARE(page.runs.size(), std::size_t(1));
        const auto detail = s.loadQuantRun(page.runs[0].id);
        QVERIFY(detail.has_value());
        QCOMPARE(detail->run.status, lieq::store::RunStatus::Cancelled);
        QVERIFY(detail->run.outputPath.empty());
        QCOMPARE(detail->losses.size() % 7, std::size_t(0));
        QVERIFY(detail->losses.size() < 35);
        lieq::store::EvalFilter ef;
        ef.quantRunId = page.runs[0].id;
        QVERIFY(s.evalResults(ef).empty());
        const QString out = model->entry(id)->request.outputDir;
        QVERIFY(!out.isEmpty());
        QVERIFY2(!QFileInfo::exists(out), qPrintable(out));
        const QDir parent(QFileInfo(out).absolutePath());
        QVERIFY(!parent.exists() || parent.entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden).isEmpty());
        // History shows it as cancelled.
        QTRY_VERIFY_WITH_TIMEOUT(wb.history()->model()->rowCount() == 1 &&
                                     wb.history()->model()->at(0).status == lieq::store::RunStatus::Cancelled,
                                 10000);
    }

    void runToCompletionCompareAndReopen()
    {
        LIEQ_REQUIRE_SHARED(modelDir, "models/stories260K-hf");
        LIEQ_REQUIRE_SHARED(text, "data/wikitext-2-raw/wiki.test.hf_joined.txt");
        LIEQ_REQUIRE_SHARED(dataDir, "data");
        LIEQ_REQUIRE_SHARED(piqa, "data/piqa");
        const QString storePath = m_tmp.filePath(QStringLiteral("runs.sqlite"));
        AppSettings::setStorePath(storePath);
        AppSettings::setCalibrationData(QString::fromStdString(text));
        AppSettings::setEvaluationData(QString::fromStdString(text));
        AppSettings::setDataDirectory(QString::fromStdString(dataDir));
        double quantPpl = 0, quantPiqa = 0, baselinePpl = 0, recovered = 0;
        std::int64_t storeRun = 0;
        {
            Workbench wb;
            RunQueueModel *model = wb.runQueue()->model();
            QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
            QVERIFY(openStories(wb, modelDir));
            wb.budget()->setBudget(4.0); // every layer at 4 bits
            RunsPanel *runs = wb.runsPanel();
            runs->setTasks({"piqa"});
            runs->setTaskLimit(20);
            QCOMPARE(runs->tasks(), std::vector<std::string>{"piqa"});
            wb.window()->tabs()->setCurrentWidget(runs); // the user watches the runs view
            QSignalSpy available(wb.runQueue(), &RunQueue::runAvailable);
            runs->evaluateButton()->click(); // the FP16 baseline first, then the quantization
            runs->backendBox()->setCurrentText(QStringLiteral("rtn"));
            runs->calibrationBox()->setValue(8);
            StallWatchdog watchdog;
            runs->quantizeButton()->click();
            QCOMPARE(model->rowCount(), 2);
            QTRY_COMPARE_WITH_TIMEOUT(available.count(), 2, 300000);
            watchdog.stop();
            std::printf("GUI-thread longest stall during an FP16 evaluation and a quantization run: %s\n",
                        qPrintable(watchdog.summary()));
            QVERIFY2(watchdog.longestMs() < 1000, qPrintable(QString::number(watchdog.longestMs())));

            const RunQueueModel::Entry &fp = model->at(0), &q = model->at(1);
            QCOMPARE(q.status, RunQueueModel::Status::Done);
            QVERIFY(std::isfinite(fp.result.ppl) && fp.result.ppl > 1);
            // 4-bit RTN: close to FP16, not better by more than noise, not broken.
            QVERIFY2(q.result.ppl > 0.9 * fp.result.ppl && q.result.ppl < 3 * fp.result.ppl,
                     qPrintable(QStringLiteral("%1 vs %2").arg(q.result.ppl).arg(fp.result.ppl)));
            QVERIFY(std::abs(q.result.nominalBits - 4.0) < 1e-9);
            QVERIFY(q.result.effectiveBits > q.result.nominalBits);
            QVERIFY(q.result.sizeBytes > 0 && q.result.sizeEstimated);
            QVERIFY(q.result.seconds > 0);
            QVERIFY(q.result.storeRunId > 0);
            QCOMPARE(q.result.layerBits.size(), std::size_t(5));
            QCOMPARE(q.result.taskItems, 20);
            QVERIFY(q.result.taskAccuracy.count("piqa") && fp.result.taskAccuracy.count("piqa"));
            bool fromTasks = false;
            recovered = model->recoveredPercent(1, &fromTasks);
            QVERIFY(fromTasks);
            QCOMPARE(recovered, 100.0 * q.result.taskAccuracy.at("piqa") / fp.result.taskAccuracy.at("piqa"));
            QVERIFY(!model->index(1, RunQueueModel::AccCol).data().toString().isEmpty());
            QVERIFY(model->index(1, RunQueueModel::RecoveredCol).data().toString().endsWith(QLatin1Char('%')));
            // The run found the stored FP16 rows of the same settings as its baseline too.
            QCOMPARE(q.result.baselinePpl, fp.result.ppl);
            QCOMPARE(runs->chartPointCount(), 2);
            QCOMPARE(runs->paretoPointCount(), q.result.ppl > fp.result.ppl ? 2 : 1); // fewer bits, higher PPL: both

            runs->table()->selectionModel()->select(model->index(0, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
            runs->table()->selectionModel()->select(model->index(1, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
            QVERIFY(runs->compareButton()->isEnabled());
            QSignalSpy compared(runs, &RunsPanel::comparisonShown);
            runs->compareButton()->click();
            QCOMPARE(compared.count(), 1);
            const QString html = compared.first().first().toString();
            for (const QString &part : {QStringLiteral("perplexity"), QStringLiteral("piqa acc"), QStringLiteral("% of FP16"),
                                        QStringLiteral("#1"), QStringLiteral("#2"), QString::number(q.result.ppl, 'f', 3)})
                QVERIFY2(html.contains(part), qPrintable(part));

            // History lists the stored quantization run.
            QTRY_VERIFY_WITH_TIMEOUT(wb.history()->model()->rowCount() >= 1, 10000);
            bool listed = false;
            for (int r = 0; r < wb.history()->model()->rowCount(); ++r) {
                const auto &row = wb.history()->model()->at(r);
                listed = listed || (row.kind == lieq::store::RunKind::Quant && row.id == q.result.storeRunId &&
                                    row.status == lieq::store::RunStatus::Done);
            }
            QVERIFY(listed);
            quantPpl = q.result.ppl;
            quantPiqa = q.result.taskAccuracy.at("piqa");
            baselinePpl = fp.result.ppl;
            storeRun = q.result.storeRunId;
        }

        // A new session reopens it from History: same results, same baseline, in the runs view.
        Workbench wb;
        RunQueueModel *model = wb.runQueue()->model();
        QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        HistoryPanel *history = wb.history();
        QTRY_VERIFY_WITH_TIMEOUT(history->model()->rowCount() >= 1, 10000);
        int row = -1;
        for (int r = 0; r < history->model()->rowCount(); ++r)
            if (history->model()->at(r).kind == lieq::store::RunKind::Quant && history->model()->at(r).id == storeRun)
                row = r;
        QVERIFY(row >= 0);
        history->reopen(row);
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 1, 10000);
        const RunQueueModel::Entry &e = model->at(0);
        QVERIFY(e.reopened);
        QCOMPARE(e.status, RunQueueModel::Status::Done);
        QCOMPARE(e.result.storeRunId, storeRun);
        QCOMPARE(e.request.backend, std::string("rtn"));
        QCOMPARE(e.request.calibrationSamples, 8);
        QCOMPARE(e.result.ppl, quantPpl);
        QCOMPARE(e.result.taskAccuracy.at("piqa"), quantPiqa);
        QCOMPARE(e.result.baselinePpl, baselinePpl);
        QCOMPARE(model->recoveredPercent(0), recovered);
        QCOMPARE(wb.window()->tabs()->currentWidget(), static_cast<QWidget *>(wb.runsPanel()));
        QCOMPARE(wb.runsPanel()->chartPointCount(), 1);
        history->reopen(row); // reopening again selects the row instead of adding it twice
        QTest::qWait(500);
        QCOMPARE(model->rowCount(), 1);
        AppSettings::setDataDirectory({});
    }

private:
    static constexpr int kLongCalibration = 16;
    QTemporaryDir m_tmp;
};

QTEST_MAIN(TestQuantRun)
#include "tst_quantrun.moc"
