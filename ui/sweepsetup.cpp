#include "ui/sweepsetup.h"

#include "core/data/calibration.h"
#include "ui/appsettings.h"
#include "ui/budgetpanel.h"
#include "ui/historypanel.h"
#include "ui/mainwindow.h"
#include "ui/messagebar.h"
#include "ui/runspanel.h"
#include "ui/sweepdialog.h"
#include "ui/sweepspanel.h"
#include "ui/workbench.h"

#include <QAction>
#include <QMenu>
#include <QPushButton>
#include <QTabWidget>

namespace lieq::ui {

SweepForm::Defaults sweepDefaults(const Workbench &wb)
{
    SweepForm::Defaults d;
    if (const auto &m = wb.window()->currentModel())
        d.model = m->summary.path;
    d.calibration = wb.calibrationData();
    d.evaluation = wb.evaluationData();
    d.samples = wb.runsPanel()->calibrationSamples();
    d.seqlen = int(kDefaultCalibrationSeqlen);
    if (wb.window()->currentModel())
        d.budget = QString::number(wb.budget()->budget(), 'g', 6);
    // The plan's bit set, unless the panel cannot plan its current settings (it then keeps
    // showing the last valid plan, whose bit set is no longer the chosen one).
    const auto &plan = wb.budget()->plan();
    if (plan && wb.budget()->errorText().isEmpty() && !plan->bitSet.empty()) {
        QStringList bits;
        for (int b : plan->bitSet)
            bits << QString::number(b);
        d.bitSet = bits.join(QLatin1Char(','));
    }
    d.backend = wb.runsPanel()->backend();
    d.groupSize = wb.runsPanel()->groupSize();
    d.symmetric = wb.runsPanel()->symmetric();
    d.actOrder = wb.runsPanel()->actOrder();
    for (const std::string &t : wb.runsPanel()->tasks())
        d.tasks << QString::fromStdString(t);
    d.taskLimit = wb.runsPanel()->taskLimit();
    d.taskDataDir = wb.taskDataDirectory();
    return d;
}

SweepSetup::SweepSetup(Workbench &wb, QMenu *menu) : QObject(wb.window()), m_wb(wb)
{
    MainWindow *w = wb.window();
    m_panel = new SweepsPanel(w->jobs());
    w->addView(m_panel, QStringLiteral("sweeps"));
    m_action = new QAction(tr("&Sweep…"), this);
    m_action->setToolTip(tr("Quantize and evaluate a grid of plans, budgets and backends"));
    if (QMenu *tools = menu ? menu : w->toolsMenu())
        tools->addAction(m_action);
    connect(m_action, &QAction::triggered, this, [this] { openDialog(); });
    connect(m_panel, &SweepsPanel::newSweepRequested, this, [this] { openDialog(); });
    connect(m_panel, &SweepsPanel::sweepsFailed, w->messageBar(), &MessageBar::showError);
    connect(w, &MainWindow::settingsChanged, this, [this] { setStorePath(AppSettings::storePath()); });
    setStorePath(AppSettings::storePath());
}

void SweepSetup::setStorePath(const QString &path)
{
    if (path == m_store)
        return;
    m_store = path;
    m_panel->setStorePath(path);
    // The dialog collects into the store it was made with: a new store needs a new one.
    if (m_dialog && !m_dialog->isRunning()) {
        m_dialog->deleteLater();
        m_dialog = nullptr;
    }
}

SweepDialog *SweepSetup::openDialog()
{
    MainWindow *w = m_wb.window();
    if (!m_dialog) {
        m_dialog = new SweepDialog(w->jobs(), m_store, w);
        connect(m_dialog, &SweepDialog::sweepCollected, this, [this, w](qint64, int done, int failed) {
            m_panel->refresh();
            m_wb.history()->refresh();
            if (failed > 0)
                w->messageBar()->showError(tr("Sweep finished: %1 cells done, %2 failed (see Sweeps).")
                                               .arg(done)
                                               .arg(failed));
        });
        connect(m_dialog, &SweepDialog::sweepSubmitted, this, [w](const QString &job, const QString &dir) {
            w->messageBar()->showInfo(tr("Slurm job %1 submitted; collect it with `lieq sweep collect %2`.")
                                          .arg(job, dir));
        });
        connect(m_dialog, &SweepDialog::sweepFailed, w->messageBar(), &MessageBar::showError);
    }
    if (!m_dialog->isRunning())
        m_dialog->setDefaults(sweepDefaults(m_wb));
    m_dialog->show();
    m_dialog->raise();
    return m_dialog;
}

} // namespace lieq::ui
