// Every corrupted-input case (corrupt_cases.h) through the workbench, offscreen: one main window
// lives through all of them. A folder refused on open shows the error (naming the file and the
// problem) in the message bar and leaves no model open; a model or text refused when an analysis
// uses it fails that analysis with the message. After every failure the valid model still
// opens and, at the end, an analysis on it still runs: the application keeps working.
#include "tests/robustness/corrupt_cases.h"
#include "ui/analysiscontroller.h"
#include "ui/jobrunner.h"
#include "ui/mainwindow.h"
#include "ui/messagebar.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>
#include <unistd.h>

using lieq::test::CorruptCase;
using lieq::ui::AnalysisController;
using lieq::ui::jobContext;
namespace jobs = lieq::jobs;
using lieq::ui::MainWindow;
using lieq::ui::MessageBar;

class TestCorruptGui : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void openRefused_data();
    void openRefused();
    void analysisRefused_data();
    void analysisRefused();
    void analysisStillRuns();

private:
    void rows(bool open);
    void openGood();
    jobs::AnalysisRequest request(const QString &model, const QString &data) const;
    jobs::JobContext context() const;
    QTemporaryDir m_tmp;
    std::vector<CorruptCase> m_cases;
    std::unique_ptr<MainWindow> m_window;
    AnalysisController *m_analysis = nullptr;
};

void TestCorruptGui::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    qputenv("LIEQ_STORE", m_tmp.filePath(QStringLiteral("gui.sqlite")).toUtf8());
    m_cases = lieq::test::buildCorruptCases(m_tmp.path());
    m_window = std::make_unique<MainWindow>();
    m_window->show();
    m_analysis = new AnalysisController(m_window->jobs(), m_window.get());
}

void TestCorruptGui::rows(bool open)
{
    QTest::addColumn<int>("index");
    for (std::size_t i = 0; i < m_cases.size(); ++i)
        if ((m_cases[i].stage == CorruptCase::Stage::Open) == open)
            QTest::newRow(qPrintable(m_cases[i].name)) << int(i);
}

void TestCorruptGui::openGood()
{
    QSignalSpy opened(m_window.get(), &MainWindow::modelOpened);
    m_window->openModel(m_tmp.filePath(QStringLiteral("good")));
    QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, 20000);
    QVERIFY(m_window->currentModel().has_value());
    QVERIFY(!m_window->messageBar()->isVisible());
}

void TestCorruptGui::openRefused_data() { rows(true); }

void TestCorruptGui::openRefused()
{
    QFETCH(int, index);
    const CorruptCase &c = m_cases[std::size_t(index)];
    if (c.needsUnprivilegedReader && ::geteuid() == 0)
        QSKIP("root reads unreadable files; tst_corrupt_cli runs this case as nobody");
    m_window->closeModel();
    QSignalSpy failed(m_window.get(), &MainWindow::modelOpenFailed);
    QSignalSpy opened(m_window.get(), &MainWindow::modelOpened);
    m_window->openModel(c.model);
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 20000);
    QCOMPARE(opened.count(), 0);
    const QString msg = failed.first().first().toString();
    QVERIFY2(msg.contains(c.file), qPrintable(QStringLiteral("does not name ") + c.file + QStringLiteral(": ") + msg));
    QVERIFY2(msg.contains(c.problem, Qt::CaseInsensitive), qPrintable(msg));
    QVERIFY(!msg.contains(QLatin1Char('\n')));
    qInfo("%s", qPrintable(msg)); // the GUI column of docs/robustness.md
    QVERIFY(m_window->messageBar()->isVisible());
    QCOMPARE(m_window->messageBar()->kind(), MessageBar::Kind::Error);
    QCOMPARE(m_window->messageBar()->text(), msg);
    QVERIFY(!m_window->currentModel().has_value());
    openGood(); // the window keeps working
}

jobs::AnalysisRequest TestCorruptGui::request(const QString &model, const QString &data) const
{
    jobs::AnalysisRequest r;
    r.modelDir = model.toStdString();
    r.calibration.path = data.toStdString();
    r.calibration.samples = 2;
    r.calibration.seqlen = 16;
    r.settings.dppl = true;
    r.settings.compact = false;
    r.settings.energy = false;
    r.reuse = false;
    return r;
}

jobs::JobContext TestCorruptGui::context() const
{
    return jobContext(m_tmp.filePath(QStringLiteral("gui.sqlite")), {}, 1);
}

void TestCorruptGui::analysisRefused_data() { rows(false); }

void TestCorruptGui::analysisRefused()
{
    QFETCH(int, index);
    const CorruptCase &c = m_cases[std::size_t(index)];
    QSignalSpy failed(m_analysis, &AnalysisController::failed);
    QSignalSpy done(m_analysis, &AnalysisController::analysisAvailable);
    m_analysis->start(request(c.model, c.data), context());
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 60000);
    QCOMPARE(done.count(), 0);
    const QString msg = failed.first().first().toString();
    QVERIFY2(msg.contains(c.file), qPrintable(QStringLiteral("does not name ") + c.file + QStringLiteral(": ") + msg));
    const QString problem = c.analysisProblem.isEmpty() ? c.problem : c.analysisProblem;
    QVERIFY2(msg.contains(problem, Qt::CaseInsensitive), qPrintable(msg));
    qInfo("%s", qPrintable(msg)); // the GUI column of docs/robustness.md
    QTRY_VERIFY(m_window->messageBar()->isVisible());
    QCOMPARE(m_window->messageBar()->kind(), MessageBar::Kind::Error);
    QTRY_VERIFY(!m_analysis->isRunning());
}

void TestCorruptGui::analysisStillRuns()
{
    openGood();
    QSignalSpy done(m_analysis, &AnalysisController::analysisAvailable);
    QSignalSpy failed(m_analysis, &AnalysisController::failed);
    m_analysis->start(request(m_tmp.filePath(QStringLiteral("good")), m_tmp.filePath(QStringLiteral("good.txt"))),
                      context());
    QTRY_COMPARE_WITH_TIMEOUT(done.count() + failed.count(), 1, 120000);
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().first().toString()));
}

QTEST_MAIN(TestCorruptGui)
#include "tst_corrupt_gui.moc"
