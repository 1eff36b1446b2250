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
#include "ui/layerview.h"

#include <QPushButton>
#include "ui/mainwindow.h"
#include "ui/workbench.h"
#ifdef LIEQ_UI_HAVE_DIAGNOSTICS
#include "ui/diagnostics/analysiscontroller.h"
#endif

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QSignalSpy>
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

    void analysisFillsLayersLive()
    {
#ifndef LIEQ_UI_HAVE_DIAGNOSTICS
        QSKIP("built without the layer diagnostics module");
#else
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
        // longest stall the user would feel.
        QElapsedTimer clock;
        clock.start();
        qint64 last = 0, longest = 0;
        QTimer tick;
        tick.setTimerType(Qt::PreciseTimer);
        connect(&tick, &QTimer::timeout, [&] {
            const qint64 now = clock.elapsed();
            longest = std::max(longest, now - last);
            last = now;
        });
        tick.start(5);
        last = clock.elapsed();

        QSignalSpy updated(wb.layers(), &LayerMetricsModel::layerUpdated);
        QSignalSpy done(wb.analysis(), &AnalysisController::analysisAvailable);
        wb.startAnalysis(8, 128);
        QTRY_VERIFY_WITH_TIMEOUT(updated.count() >= 1, 60000);
        const int firstSeen = wb.layers()->layersWith("dr");
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 180000);
        tick.stop();
        std::printf("GUI-thread longest stall during the analysis: %lld ms\n", (long long)longest);
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
        QVERIFY2(longest < 250, qPrintable(QString::number(longest)));

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
#endif
    }

    void analysisCancels()
    {
#ifndef LIEQ_UI_HAVE_DIAGNOSTICS
        QSKIP("built without the layer diagnostics module");
#else
        LIEQ_REQUIRE_SHARED(modelDir, "models/stories260K-hf");
        LIEQ_REQUIRE_SHARED(text, "data/wikitext-2-raw/wiki.test.hf_joined.txt");
        AppSettings::setCalibrationData(QString::fromStdString(text));
        AppSettings::setStorePath(m_tmp.filePath(QStringLiteral("cancel.sqlite")));
        Workbench wb;
        QSignalSpy opened(wb.window(), &MainWindow::modelOpened);
        wb.show(QString::fromStdString(modelDir));
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, 20000);
        QSignalSpy cancelled(wb.analysis(), &AnalysisController::analysisCancelled);
        QSignalSpy done(wb.analysis(), &AnalysisController::analysisAvailable);
        wb.startAnalysis(64, 512);
        QVERIFY(wb.analysis()->isRunning());
        QVERIFY(wb.layerView()->cancelButton()->isEnabled());
        QTest::qWait(300);
        wb.layerView()->cancelButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(cancelled.count(), 1, 60000);
        QCOMPARE(done.count(), 0);
        QVERIFY(wb.layerView()->analyzeButton()->isEnabled());
#endif
    }

private:
    QTemporaryDir m_tmp;
};

QTEST_MAIN(TestWorkbench)
#include "tst_workbench.moc"
