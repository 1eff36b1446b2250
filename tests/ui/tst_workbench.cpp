// The assembled workbench on stories260K: open the model, run the layer diagnostics and watch
// the layer table fill in live (with a watchdog on GUI-thread stalls), cancel an analysis,
// budget scores following dr, and a reopened run from the history.
#include "core/model/model.h"
#include "tests/support/testutil.h"
#include "ui/appsettings.h"
#include "ui/budgetpanel.h"
#include "ui/historypanel.h"
#include "ui/historymodel.h"
#include "ui/layermetricsmodel.h"
#include "ui/layerchart.h"
#include "ui/layerview.h"
#include "ui/measuresetup.h"
#include "ui/plandriver.h"
#include "ui/runspanel.h"
#include "ui/summarypanel.h"
#include "tests/ui/stallwatchdog.h"

#include <QPushButton>
#include "ui/mainwindow.h"
#include "ui/workbench.h"
#include "ui/analysiscontroller.h"

#include <QAbstractItemModelTester>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QElapsedTimer>
#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QMenu>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <cmath>
#include <cstdio>

using namespace lieq::ui;

class TestWorkbench : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("LieQTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_workbench"));
        QVERIFY(m_tmp.isValid());
        AppSettings::setStorePath(m_tmp.filePath(QStringLiteral("store.sqlite")));
        AppSettings::setThreads(0);
        lieq::setComputeThreads(0);
    }

    // The budget's size estimate and the runs quantize with one grid: either view changes both.
    void groupSizeAndSymmetryStayInStep()
    {
        Workbench wb;
        wb.runsPanel()->groupSizeBox()->setValue(64);
        QCOMPARE(wb.budget()->groupSizeBox()->value(), 64);
        wb.budget()->groupSizeBox()->setValue(-1);
        QCOMPARE(wb.runsPanel()->groupSize(), -1);
        wb.budget()->symmetricBox()->setChecked(true);
        QVERIFY(wb.runsPanel()->symmetric());
        wb.runsPanel()->symmetricBox()->setChecked(false);
        QVERIFY(!wb.budget()->symmetricBox()->isChecked());
    }

    void analysisFillsLayersLive()
    {
        LIEQ_REQUIRE_SHARED(modelDir, "models/stories260K-hf");
        LIEQ_REQUIRE_SHARED(text, "data/wikitext-2-raw/wiki.test.hf_joined.txt");
        AppSettings::setCalibrationData(QString::fromStdString(text));
        Workbench wb;
        QAbstractItemModelTester tester(wb.layers(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy opened(wb.window(), &MainWindow::modelOpened);
        wb.show(QString::fromStdString(modelDir));
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, 20000);
        QCOMPARE(wb.layers()->rowCount(), 5);

        // Watchdog: a 5 ms timer on the GUI thread; the longest gap between ticks is the
        // longest stall the user would feel. The layer view is the visible tab, as in use.
        wb.window()->resize(1400, 860);
        StallWatchdog watchdog;
        QSignalSpy updated(wb.layers(), &LayerMetricsModel::layerUpdated);
        QSignalSpy done(wb.analysis(), &AnalysisController::analysisAvailable);
        wb.startAnalysis(8, 128);
        QTRY_VERIFY_WITH_TIMEOUT(updated.count() >= 1, 60000);
        const int firstSeen = wb.layers()->layersWith("dr");
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 180000);
        watchdog.stop();
        std::printf("GUI-thread longest stall during the analysis: %s; %d chart redraws for %d layer updates\n",
                    qPrintable(watchdog.summary()), wb.layerView()->chart(1)->redrawCount(), int(updated.count()));
        QVERIFY(firstSeen < 5 || updated.count() > 5); // rows arrived before the end
        QCOMPARE(wb.layers()->layersWith("dr"), 5);
        QCOMPARE(wb.layers()->layersWith("dppl"), 5);
        for (int l = 0; l < 5; ++l)
            QVERIFY(std::isfinite(wb.layers()->layerMetric(l, "dE")));
        QVERIFY(!wb.layers()->projectionsWith("dr").empty());
        // The budget's scores are the layer-mean dr: the paper setting protects the top layer.
        const auto dr = wb.layers()->metricVector("dr");
        const int top = int(std::max_element(dr.begin(), dr.end()) - dr.begin());
        wb.budget()->setBudget(2.4); // 2 + 2/5: one 4-bit layer of five
        QCOMPARE(wb.budget()->plan()->layerBits()[std::size_t(top)], 4);
        // dE and dPPL can drive the plan too, once every layer has them.
        QVERIFY(wb.budget()->planDriver().available("dE"));
        QVERIFY(wb.budget()->planDriver().available("dppl"));
        QVERIFY(!wb.budget()->planDriver().available("measured"));
        // Generous: catches real blocking work on the GUI thread, not a loaded machine's jitter.
        QVERIFY2(watchdog.longestMs() < 1000, qPrintable(QString::number(watchdog.longestMs())));

        // The run is in the store: history lists it and reopening refills the table.
        QSignalSpy listed(wb.history(), &HistoryPanel::historyAvailable);
        wb.history()->refresh();
        QTRY_VERIFY_WITH_TIMEOUT(listed.count() >= 1 && wb.history()->model()->rowCount() >= 1, 10000);
        wb.layers()->clearMetrics();
        QCOMPARE(wb.layers()->layersWith("dr"), 0);
        QSignalSpy reopened(wb.history(), &HistoryPanel::analysisReopened);
        wb.history()->reopen(0);
        QTRY_COMPARE_WITH_TIMEOUT(reopened.count(), 1, 10000);
        QCOMPARE(wb.layers()->layersWith("dr"), 5);
        QCOMPARE(wb.layers()->metricVector("dr"), dr);
    }

    // Tools > Measure sensitivity runs the measure pass on the open model; its result drives
    // the budget panel's measured plans, and a later start reloads it from the store.
    void measurePassFeedsPlanDrivers()
    {
        LIEQ_REQUIRE_SHARED(modelDir, "models/stories260K-hf");
        LIEQ_REQUIRE_SHARED(text, "data/wikitext-2-raw/wiki.test.hf_joined.txt");
        AppSettings::setCalibrationData(QString::fromStdString(text));
        AppSettings::setStorePath(m_tmp.filePath(QStringLiteral("measure.sqlite")));
        std::int64_t runId = 0;
        {
            Workbench wb;
            QVERIFY(wb.window()->toolsMenu()->actions().contains(wb.measure()->action()));
            QVERIFY(!wb.measure()->action()->isEnabled()); // no model yet
            QSignalSpy opened(wb.window(), &MainWindow::modelOpened);
            wb.show(QString::fromStdString(modelDir));
            QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, 20000);
            QVERIFY(wb.measure()->action()->isEnabled());
            QVERIFY(!wb.budget()->planDriver().hasMeasure());
            wb.runsPanel()->backendBox()->setCurrentText(QStringLiteral("rtn"));
            wb.runsPanel()->calibrationBox()->setValue(2);
            QSignalSpy applied(wb.measure(), &MeasureSetup::measureApplied);
            wb.measure()->action()->trigger();
            QVERIFY(!wb.measure()->action()->isEnabled()); // one pass at a time
            QTRY_COMPARE_WITH_TIMEOUT(applied.count(), 1, 300000);
            runId = applied.front().front().value<std::int64_t>();
            QVERIFY(runId > 0);
            QVERIFY(wb.budget()->planDriver().hasMeasure());
            QVERIFY(wb.budget()->planDriver().available("measured"));
            QVERIFY(wb.measure()->action()->isEnabled());
        }
        Workbench again;
        QSignalSpy reloaded(again.measure(), &MeasureSetup::measureApplied);
        again.show(QString::fromStdString(modelDir));
        QTRY_COMPARE_WITH_TIMEOUT(reloaded.count(), 1, 30000);
        QCOMPARE(reloaded.front().front().value<std::int64_t>(), runId);
        QVERIFY(again.budget()->planDriver().available("measured"));
        AppSettings::setStorePath(m_tmp.filePath(QStringLiteral("store.sqlite")));
    }

    void analysisCancels()
    {
        LIEQ_REQUIRE_SHARED(modelDir, "models/stories260K-hf");
        LIEQ_REQUIRE_SHARED(text, "data/wikitext-2-raw/wiki.test.hf_joined.txt");
        AppSettings::setCalibrationData(QString::fromStdString(text));
        AppSettings::setStorePath(m_tmp.filePath(QStringLiteral("cancel.sqlite")));
        Workbench wb;
        QSignalSpy opened(wb.window(), &MainWindow::modelOpened);
        wb.show(QString::fromStdString(modelDir));
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, 20000);
        QSignalSpy cancelled(wb.analysis(), &AnalysisController::cancelled);
        QSignalSpy done(wb.analysis(), &AnalysisController::analysisAvailable);
        wb.startAnalysis(64, 512);
        QVERIFY(wb.analysis()->isRunning());
        QVERIFY(wb.layerView()->cancelButton()->isEnabled());
        QTest::qWait(300);
        wb.layerView()->cancelButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(cancelled.count(), 1, 60000);
        QCOMPARE(done.count(), 0);
        QVERIFY(wb.layerView()->analyzeButton()->isEnabled());
    }

    // First start: no recent model -> the demo model opens (found through core/util's
    // findDemoModel, here pointed at a folder by $LIEQ_DEMO_MODEL), and its validation.txt is
    // the calibration and evaluation data while the settings name none.
    void firstStartOpensDemoModel()
    {
        LIEQ_REQUIRE_SHARED(modelDir, "models/stories260K-hf");
        QTemporaryDir demo;
        QVERIFY(demo.isValid());
        for (const QFileInfo &f : QDir(QString::fromStdString(modelDir)).entryInfoList(QDir::Files))
            QVERIFY(QFile::link(f.absoluteFilePath(), demo.filePath(f.fileName())));
        QFile text(demo.filePath(QStringLiteral("validation.txt")));
        QVERIFY(text.open(QIODevice::WriteOnly));
        text.write("Once upon a time there was a little girl who liked to play in the park.\n");
        text.close();
        qputenv("LIEQ_DEMO_MODEL", demo.path().toUtf8());
        for (const QString &p : AppSettings::recentModels())
            AppSettings::removeRecentModel(p);
        AppSettings::setCalibrationData({});
        AppSettings::setEvaluationData({});
        AppSettings::setDataDirectory({});
        {
            Workbench wb;
            const QString expected = QFileInfo(demo.path()).canonicalFilePath();
            QCOMPARE(Workbench::demoModelPath(), expected);
            QCOMPARE(wb.evaluationData(), expected + QStringLiteral("/validation.txt"));
            QCOMPARE(wb.calibrationData(), expected + QStringLiteral("/validation.txt"));
            QSignalSpy opened(wb.window(), &MainWindow::modelOpened);
            wb.show({});
            QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, 20000);
            QCOMPARE(QFileInfo(wb.window()->currentModel()->summary.path).canonicalFilePath(), expected);
            QCOMPARE(wb.layers()->rowCount(), 5);
        }
        // Later starts reopen the last model.
        QVERIFY(!AppSettings::recentModels().isEmpty());
        {
            Workbench wb;
            QSignalSpy opened(wb.window(), &MainWindow::modelOpened);
            wb.show({});
            QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, 20000);
            QCOMPARE(QFileInfo(wb.window()->currentModel()->summary.path).canonicalFilePath(),
                     QFileInfo(AppSettings::recentModels().first()).canonicalFilePath());
            QVERIFY(wb.layerView()->analyzeButton()->isEnabled());
            QVERIFY(wb.runsPanel()->evaluateButton()->isEnabled());
        }
        // A last model that is gone: the window stays empty, offers the demo and the recent
        // list, and what needs a model is disabled.
        AppSettings::addRecentModel(m_tmp.filePath(QStringLiteral("gone")));
        {
            Workbench wb;
            QSignalSpy opened(wb.window(), &MainWindow::modelOpened);
            QSignalSpy failed(wb.window(), &MainWindow::modelOpenFailed);
            wb.show({});
            QTest::qWait(300);
            QCOMPARE(opened.count() + failed.count(), 0);
            QVERIFY(!wb.window()->currentModel());
            QVERIFY(!wb.layerView()->analyzeButton()->isEnabled());
            QVERIFY(!wb.runsPanel()->quantizeButton()->isEnabled());
            QVERIFY(!wb.runsPanel()->evaluateButton()->isEnabled());
            QLabel *start = wb.window()->summaryPanel()->startLabel();
            QVERIFY(!start->isHidden());
            QVERIFY(start->text().contains(QStringLiteral("href=\"demo\"")));
            QVERIFY(start->text().contains(QStringLiteral("gone")));
            // The demo link opens the demo model.
            Q_EMIT start->linkActivated(QStringLiteral("demo"));
            QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, 20000);
            QVERIFY(start->isHidden());
        }
        qunsetenv("LIEQ_DEMO_MODEL");
    }

private:
    QTemporaryDir m_tmp;
};

QTEST_MAIN(TestWorkbench)
#include "tst_workbench.moc"
