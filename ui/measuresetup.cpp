#include "ui/measuresetup.h"

#include "core/quant/pipeline.h"
#include "ui/appsettings.h"
#include "ui/budgetpanel.h"
#include "ui/mainwindow.h"
#include "ui/measurecontroller.h"
#include "ui/messagebar.h"
#include "ui/plandriver.h"
#include "ui/runspanel.h"
#include "ui/workbench.h"

#include <QAction>
#include <QFileInfo>
#include <QMenu>

namespace lieq::ui {

MeasureSetup::MeasureSetup(Workbench &wb, QMenu *menu) : QObject(wb.window()), m_wb(wb)
{
    MainWindow *w = wb.window();
    m_controller = new MeasureController(w->jobs(), this);
    m_action = new QAction(tr("&Measure sensitivity"), this);
    m_action->setToolTip(tr("Quantize one layer at a time and measure the KL divergence from the "
                            "FP16 model: the budget panel can then plan from measured gains"));
    m_action->setEnabled(w->currentModel().has_value());
    if (menu)
        menu->addAction(m_action);
    connect(m_action, &QAction::triggered, this, &MeasureSetup::start);
    connect(w, &MainWindow::modelChanged, this, [this] {
        m_action->setEnabled(m_wb.window()->currentModel().has_value() && !m_controller->isRunning());
    });
    // A model opened: its newest stored measure pass, if any (nothing happens without one).
    connect(w, &MainWindow::modelOpened, this, [this] {
        if (const auto &m = m_wb.window()->currentModel())
            m_controller->loadLatest(m->summary.path, AppSettings::storePath());
    });
    connect(m_controller, &MeasureController::measureAvailable, this, &MeasureSetup::apply);
    connect(m_controller, &MeasureController::measureFailed, this, [this](const QString &msg) {
        m_action->setEnabled(m_wb.window()->currentModel().has_value());
        m_wb.window()->messageBar()->showError(tr("Measure pass: %1").arg(msg));
    });
    connect(m_controller, &MeasureController::measureCancelled, this, [this] {
        m_action->setEnabled(m_wb.window()->currentModel().has_value());
    });
}

void MeasureSetup::start()
{
    const auto &m = m_wb.window()->currentModel();
    if (!m) {
        m_wb.window()->messageBar()->showError(tr("Open a model first."));
        return;
    }
    const QString calib = m_wb.calibrationData();
    if (calib.isEmpty()) {
        m_wb.window()->messageBar()->showError(tr("Choose calibration data in Settings first."));
        return;
    }
    MeasureController::Request r;
    r.modelDir = m->summary.path;
    r.calibration.path = calib.toStdString();
    r.calibration.samples = m_wb.runsPanel()->calibrationSamples();
    r.settings.backend.method = quantMethodFromName(m_wb.runsPanel()->backend().toStdString());
    r.settings.backend.groupSize = m_wb.runsPanel()->groupSize();
    r.settings.backend.symmetric = m_wb.runsPanel()->symmetric();
    r.settings.backend.actOrder = m_wb.runsPanel()->actOrder();
    r.storePath = AppSettings::storePath();
    r.device = AppSettings::device();
    r.threads = AppSettings::threads();
    m_action->setEnabled(false);
    m_controller->start(r);
}

void MeasureSetup::apply(const jobs::MeasureJobResult &result)
{
    const auto &m = m_wb.window()->currentModel();
    m_action->setEnabled(m.has_value());
    // A result for a model that is no longer open (closed or replaced while it ran) is stored
    // but not shown.
    if (!m || QFileInfo(QString::fromStdString(result.modelDir)) != QFileInfo(m->summary.path))
        return;
    const sensitivity::MeasureResult &r = result.measure;
    m_wb.budget()->planDriver().setMeasure(r.gains(), r.klLow(), r.klAllLow, r.settings.lowBits,
                                           r.settings.highBits);
    m_wb.budget()->driverDataChanged();
    Q_EMIT measureApplied(result.runId);
}

} // namespace lieq::ui
