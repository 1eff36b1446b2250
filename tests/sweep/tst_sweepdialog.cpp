// The Sweep dialog, the Sweeps view and the workbench's Sweep action (offscreen): the grid
// follows the form (cell count and cost as the CLI's expansion gives them, bad grids refused
// with the parser's reason); Slurm is offered exactly when sbatch is on the PATH; the workbench's
// Sweep action fills the grid from the open model, the budget panel's plan and the Runs view's
// settings; a one-cell grid on the demo model runs through real `lieq` worker processes, is
// collected into the store and shows in the Sweeps view (table, KL/PPL-vs-bits chart) and in
// History grouped by its sweep.
#include "core/sweep/process.h"
#include "core/sweep/sweep_cell.h"
#include "tests/sweep/slurm_cluster.h"
#include "ui/appsettings.h"
#include "ui/budgetpanel.h"
#include "ui/historymodel.h"
#include "ui/historypanel.h"
#include "ui/jobrunner.h"
#include "ui/mainwindow.h"
#include "ui/runspanel.h"
#include "ui/sweepchart.h"
#include "ui/sweepdialog.h"
#include "ui/sweepsetup.h"
#include "ui/sweepspanel.h"
#include "ui/workbench.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDeadlineTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSpinBox>
#include <QStandardPaths>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace lieq;

class TestSweepDialog : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_tmp;
    QString m_demo = QStringLiteral(LIEQ_SOURCE_DIR "/resources/demo-model");

    ui::SweepForm::Defaults defaults() const
    {
        ui::SweepForm::Defaults d;
        d.model = m_demo;
        d.calibration = m_demo + QStringLiteral("/validation.txt");
        d.samples = 4;
        d.seqlen = 64;
        d.evaluation = m_demo + QStringLiteral("/validation.txt");
        d.backend = QStringLiteral("rtn");
        return d;
    }

    // The workbench (AppSettings' store in the temporary folder) with the demo model open.
    bool openDemo(ui::Workbench &wb)
    {
        QSignalSpy opened(wb.window(), &ui::MainWindow::modelOpened);
        wb.window()->openModel(m_demo);
        return opened.wait(30000) || opened.count() == 1;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("LieQTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_sweepdialog"));
        QVERIFY(m_tmp.isValid());
        ui::AppSettings::setStorePath(m_tmp.filePath(QStringLiteral("workbench.sqlite")));
        ui::AppSettings::setThreads(1);
        ui::AppSettings::setCalibrationData(QString());
        ui::AppSettings::setEvaluationData(QString());
    }

    void gridFollowsTheForm()
    {
        ui::JobRunner jobs;
        ui::SweepDialog dialog(&jobs, m_tmp.filePath(QStringLiteral("store.sqlite")));
        // Without a lieq to run as workers nothing can run locally, and the dialog says why.
        dialog.setWorkerProgram(QString());
        dialog.setDefaults(defaults());
        QVERIFY(!dialog.runButton()->isEnabled());
        QVERIFY2(dialog.costText().contains(QStringLiteral("lieq was not found")), qPrintable(dialog.costText()));
        dialog.setWorkerProgram(QStringLiteral(LIEQ_CLI_PATH));
        dialog.setFolder(m_tmp.filePath(QStringLiteral("grid.sweep")));
        // Default plans: dr and uniform-2, one budget, one bit set, one backend, one seed.
        QCOMPARE(dialog.cellCount(), 2);
        QVERIFY2(dialog.costText().contains(QStringLiteral("2 cells")), qPrintable(dialog.costText()));
        dialog.form()->seeds()->setText(QStringLiteral("0, 1, 2"));
        dialog.form()->backend(QStringLiteral("gptq"))->setChecked(true);
        QCOMPARE(dialog.cellCount(), 2 * 3 * 2);
        dialog.form()->budgets()->setText(QStringLiteral("2+2/L, 2.5"));
        dialog.form()->setPlans({QStringLiteral("dr"), QStringLiteral("uniform-2"), QStringLiteral("rule:first")});
        // The same count as the CLI's expansion of the same spec.
        const sweep::SweepSpec spec = dialog.form()->spec(QStringLiteral("x"), QStringLiteral("/x/spec.json"));
        QCOMPARE(dialog.cellCount(), int(sweep::expandCells(spec).cells.size()));
        QCOMPARE(dialog.cellCount(), 3 * 2 * (1 + 2 + 2));
        QVERIFY(dialog.runButton()->isEnabled());
        // A bad grid: the parser's reason, and nothing can run.
        dialog.form()->bitSets()->setText(QStringLiteral("2,5"));
        QCOMPARE(dialog.cellCount(), 0);
        QVERIFY2(dialog.costText().contains(QStringLiteral("2, 3, 4, 8")), qPrintable(dialog.costText()));
        QVERIFY(!dialog.runButton()->isEnabled());
        QVERIFY(!dialog.slurmButton()->isEnabled());
        dialog.form()->bitSets()->setText(QStringLiteral("2,4"));
        QVERIFY(dialog.runButton()->isEnabled());
        // Slurm is offered exactly when sbatch is on the PATH.
        const bool sbatch = !sweep::findProgram("sbatch").empty();
        QCOMPARE(dialog.slurmAvailable(), sbatch);
        QCOMPARE(dialog.slurmButton()->isEnabled(), sbatch);
    }

    void workbenchFillsTheGrid()
    {
        if (!QFile::exists(m_demo + QStringLiteral("/config.json")))
            QSKIP("resources/demo-model is absent: test skipped");
        ui::Workbench wb;
        auto *setup = wb.window()->findChild<ui::SweepSetup *>();
        QVERIFY2(setup, "the workbench has no sweep setup");
        QVERIFY(wb.window()->findChild<ui::SweepsPanel *>(QStringLiteral("sweeps")));
        QVERIFY(openDemo(wb));
        wb.budget()->setMethod(alloc::AllocMethod::Knapsack); // the paper's rule takes two bit-widths
        wb.budget()->setBitSet({2, 3, 4});
        wb.budget()->setBudget(2.5);
        QVERIFY(wb.budget()->plan().has_value());
        QVERIFY2(wb.budget()->errorText().isEmpty(), qPrintable(wb.budget()->errorText()));
        wb.runsPanel()->backendBox()->setCurrentText(QStringLiteral("awq"));
        wb.runsPanel()->groupSizeBox()->setValue(64);
        wb.runsPanel()->symmetricBox()->setChecked(true);
        wb.runsPanel()->calibrationBox()->setValue(12);

        // Tools > Sweep… and the Sweeps view's button open the same dialog.
        QVERIFY(setup->action()->isEnabled());
        QVERIFY(wb.window()->toolsMenu()->actions().contains(setup->action()));
        setup->action()->trigger();
        ui::SweepDialog *dialog = wb.window()->findChild<ui::SweepDialog *>();
        QVERIFY(dialog && dialog->isVisible());
        setup->panel()->findChild<QPushButton *>(QStringLiteral("newSweep"))->click();
        QCOMPARE(wb.window()->findChildren<ui::SweepDialog *>().size(), 1);

        const QJsonObject spec = QJsonDocument::fromJson(dialog->form()->specJson(QStringLiteral("x"))).object();
        QCOMPARE(spec.value(QStringLiteral("models")).toArray().first().toString(), m_demo);
        QCOMPARE(spec.value(QStringLiteral("backends")).toArray(), QJsonArray{QStringLiteral("awq")});
        QCOMPARE(spec.value(QStringLiteral("budgets")).toArray(), QJsonArray{QStringLiteral("2.5")});
        QCOMPARE(spec.value(QStringLiteral("bit_sets")).toArray(), (QJsonArray{QJsonArray{2, 3, 4}}));
        const QJsonObject q = spec.value(QStringLiteral("quantization")).toObject();
        QCOMPARE(q.value(QStringLiteral("group_size")).toInt(), 64);
        QCOMPARE(q.value(QStringLiteral("symmetric")).toBool(), true);
        const QJsonObject calib = spec.value(QStringLiteral("calibration")).toObject();
        QCOMPARE(calib.value(QStringLiteral("samples")).toInt(), 12);
        QCOMPARE(calib.value(QStringLiteral("path")).toString(), wb.calibrationData());
        QVERIFY(!wb.calibrationData().isEmpty()); // the demo model's validation text
        // dr (the knapsack for three bit-widths) and uniform-2: two cells, with a cost.
        QCOMPARE(dialog->cellCount(), 2);
        QVERIFY2(dialog->costText().contains(QStringLiteral("about")), qPrintable(dialog->costText()));
        QVERIFY(dialog->folder().startsWith(m_tmp.path()));
    }

    // Run from the workbench's dialog: the cell runs in a real worker, the sweep is collected into
    // the workbench's store, and both the Sweeps view and History show it.
    void runLocallyThenShowInSweepsAndHistory()
    {
        if (!QFile::exists(m_demo + QStringLiteral("/config.json")))
            QSKIP("resources/demo-model is absent: test skipped");
        ui::Workbench wb;
        QVERIFY(openDemo(wb));
        auto *setup = wb.window()->findChild<ui::SweepSetup *>();
        QVERIFY(setup);
        ui::SweepDialog *dialog = setup->openDialog();
        dialog->setWorkerProgram(QStringLiteral(LIEQ_CLI_PATH));
        dialog->setDefaults(defaults());
        const QString name = QFileInfo(m_demo).fileName() + QStringLiteral("-sweep");
        dialog->setFolder(m_tmp.filePath(QStringLiteral("run.sweep")));
        dialog->form()->setPlans({QStringLiteral("uniform-2")});
        QCOMPARE(dialog->cellCount(), 1);
        QSignalSpy collected(dialog, &ui::SweepDialog::sweepCollected);
        QSignalSpy failed(dialog, &ui::SweepDialog::sweepFailed);
        QSignalSpy shown(setup->panel(), &ui::SweepsPanel::sweepShown);
        dialog->runButton()->click();
        QVERIFY(dialog->isRunning());
        QVERIFY(dialog->cancelButton()->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(collected.count() + failed.count() > 0, 240000);
        QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().at(0).toString()));
        QCOMPARE(collected.first().at(1).toInt(), 1); // done
        QCOMPARE(collected.first().at(2).toInt(), 0); // failed
        QVERIFY(QFile::exists(m_tmp.filePath(QStringLiteral("run.sweep/spec.json"))));

        // The Sweeps view re-reads the store: the cell with its bits, PPL and KL, and the chart.
        QTRY_VERIFY_WITH_TIMEOUT(!shown.isEmpty(), 30000);
        ui::SweepsPanel *panel = setup->panel();
        auto *sweeps = panel->findChild<QComboBox *>(QStringLiteral("sweepList"));
        auto *cells = panel->findChild<QTableWidget *>(QStringLiteral("sweepCells"));
        auto *chart = panel->findChild<ui::SweepChart *>(QStringLiteral("sweepChart"));
        QCOMPARE(sweeps->count(), 1);
        QVERIFY(sweeps->itemText(0).startsWith(name));
        QCOMPARE(cells->rowCount(), 1);
        QCOMPARE(cells->item(0, 3)->text(), QStringLiteral("done"));
        QCOMPARE(cells->item(0, 4)->text(), QStringLiteral("2.000"));
        QVERIFY(cells->item(0, 5)->text().toDouble() > 1);   // PPL
        QVERIFY(cells->item(0, 6)->text().toDouble() > 0);   // KL from FP16
        QCOMPARE(chart->pointCount(), 1);                    // KL vs bits
        panel->findChild<QComboBox *>(QStringLiteral("sweepMetric"))->setCurrentIndex(1); // perplexity
        QCOMPARE(chart->pointCount(), 1);
        QCOMPARE(chart->missingCount(), 0);
        QVERIFY(chart->seriesNames().contains(QStringLiteral("uniform-2 rtn")));

        // History: the quantization run, in the Sweep column as "<sweep> #<cell>".
        ui::HistoryModel *history = wb.history()->model();
        const QString member = name + QStringLiteral(" #0");
        const auto sweepRow = [&] {
            for (int r = 0; r < history->rowCount(); ++r)
                if (history->index(r, ui::HistoryModel::SweepCol).data().toString() == member)
                    return r;
            return -1;
        };
        QTRY_VERIFY_WITH_TIMEOUT(sweepRow() >= 0, 30000);
        QCOMPARE(history->at(sweepRow()).kind, store::RunKind::Quant);
        QCOMPARE(history->headerData(ui::HistoryModel::SweepCol, Qt::Horizontal).toString(), QStringLiteral("Sweep"));
        // History's sweep filter lists the collected sweep; picking it shows that sweep's runs.
        QComboBox *bySweep = wb.history()->sweepFilter();
        QCOMPARE(bySweep->count(), 2); // all sweeps + this one
        QSignalSpy refreshed(wb.history(), &ui::HistoryPanel::historyAvailable);
        bySweep->setCurrentIndex(1);
        QTRY_VERIFY_WITH_TIMEOUT(!refreshed.isEmpty(), 30000);
        QCOMPARE(history->rowCount(), 1);
        QCOMPARE(history->index(0, ui::HistoryModel::SweepCol).data().toString(), member);
        QCOMPARE(bySweep->currentIndex(), 1); // kept across the refresh
    }

    // Submit to Slurm from the dialog: a real one-node cluster (tests/sweep/slurm_cluster), one
    // array task for the one cell, which runs on the node and finishes done.
    void submitToSlurm()
    {
        const QString why = test::SlurmCluster::unavailableReason();
        if (!why.isEmpty())
            QSKIP(qPrintable(why));
        if (!QFile::exists(m_demo + QStringLiteral("/config.json")))
            QSKIP("resources/demo-model is absent: test skipped");
        test::SlurmCluster cluster;
        QVERIFY2(cluster.start(2), qPrintable(cluster.error()));
        ui::JobRunner jobs;
        ui::SweepDialog dialog(&jobs, m_tmp.filePath(QStringLiteral("slurm.sqlite")));
        QVERIFY(dialog.slurmAvailable());
        dialog.setWorkerProgram(QStringLiteral(LIEQ_CLI_PATH));
        dialog.setDefaults(defaults());
        const QString dir = m_tmp.filePath(QStringLiteral("slurm.sweep"));
        dialog.setFolder(dir);
        dialog.form()->setPlans({QStringLiteral("uniform-2")});
        QCOMPARE(dialog.cellCount(), 1);
        QVERIFY(dialog.slurmButton()->isEnabled());
        QSignalSpy submitted(&dialog, &ui::SweepDialog::sweepSubmitted);
        QSignalSpy failed(&dialog, &ui::SweepDialog::sweepFailed);
        dialog.slurmPartition()->setText(QStringLiteral("debug"));
        dialog.slurmButton()->click();
        QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().at(0).toString()));
        QCOMPARE(submitted.count(), 1);
        QVERIFY(!submitted.first().at(0).toString().isEmpty()); // the job id sbatch gave
        QVERIFY(QFile::exists(dir + QStringLiteral("/slurm/submissions.json")));
        // The task runs `lieq sweep run-cell` on the node: the cell's status ends done.
        const QString statusFile = dir + QStringLiteral("/cells/0000/status.json");
        QString state;
        QDeadlineTimer deadline(240000);
        while (!deadline.hasExpired() && state != QStringLiteral("done") && state != QStringLiteral("failed")) {
            QTest::qWait(250);
            QFile f(statusFile);
            if (f.open(QIODevice::ReadOnly))
                state = QJsonDocument::fromJson(f.readAll()).object().value(QStringLiteral("state")).toString();
        }
        QVERIFY2(state == QStringLiteral("done"), qPrintable(state + QStringLiteral("\n") + cluster.logTail()));
    }

    // A store that cannot be read is said in the view (and signalled), not shown as empty.
    void unreadableStoreIsReported()
    {
        const QString bad = m_tmp.filePath(QStringLiteral("not-a-store.sqlite"));
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(4096, 'x'));
        f.close();
        ui::JobRunner jobs;
        ui::SweepsPanel panel(&jobs);
        QSignalSpy failed(&panel, &ui::SweepsPanel::sweepsFailed);
        QSignalSpy available(&panel, &ui::SweepsPanel::sweepsAvailable);
        panel.setStorePath(bad);
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 30000);
        QVERIFY(available.isEmpty());
        QVERIFY2(failed.first().at(0).toString().contains(QStringLiteral("not-a-store.sqlite")),
                 qPrintable(failed.first().at(0).toString()));
    }

    void chartOfAGrid()
    {
        jobs::SweepView v;
        v.sweep.name = "g";
        auto point = [](const char *plan, double bits, double ppl, double kl) {
            jobs::SweepPoint p;
            p.plan = plan;
            p.backend = "gptq";
            p.nominalBits = bits;
            p.ppl = ppl;
            p.kl = kl;
            return p;
        };
        v.points = {point("dr", 2.25, 30, 0.05), point("dr", 2.5, 28, 0.04),
                    point("uniform-2", 2.0, 40, 0.09), point("dppl", 2.25, 29, store::kNoValue)};
        ui::SweepChart chart;
        chart.setSweep(v);
        QCOMPARE(chart.metric(), ui::SweepChart::Metric::Kl);
        QCOMPARE(chart.pointCount(), 3);
        QCOMPARE(chart.missingCount(), 1); // dppl has no KL
        chart.setMetric(ui::SweepChart::Metric::Perplexity);
        QCOMPARE(chart.pointCount(), 4);
        QCOMPARE(chart.seriesNames().size(), 3);
    }
};

QTEST_MAIN(TestSweepDialog)
#include "tst_sweepdialog.moc"
