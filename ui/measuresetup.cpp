#include "ui/measuresetup.h"

#include "core/quant/pipeline.h"
#include "ui/appsettings.h"
#include "ui/budgetpanel.h"
#include "ui/mainwindow.h"
#include "ui/keyedjob.h"
#include "ui/messagebar.h"
#include "ui/plandriver.h"
#include "ui/runspanel.h"
#include "ui/workbench.h"

#include <QAction>
#include <QFileInfo>
#include <QMenu>

#include <optional>

namespace lieq::ui {

MeasureSetup::MeasureSetup(Workbench &wb, QMenu *menu) : QObject(wb.window()), m_wb(wb)
{
    MainWindow *w = wb.window();
    m_job = new KeyedJob(w->jobs(), QStringLiteral("measure"), this);
    m_load = new KeyedJob(w->jobs(), QStringLiteral("measure:load"), this);
    m_action = new QAction(tr("&Measure sensitivity"), this);
    m_action->setToolTip(tr("Quantize one layer at a time and measure the KL divergence from the "
                            "FP16 model: the budget panel can then plan from measured gains"));
    m_action->setEnabled(w->currentModel().has_value());
    if (menu)
        menu->addAction(m_action);
    connect(m_action, &QAction::triggered, this, &MeasureSetup::start);
    connect(w, &MainWindow::modelChanged, this, [this] {
        m_action->setEnabled(m_wb.window()->currentModel().has_value() && !m_job->isRunning());
    });
    // A model opened: its newest stored measure pass, if any (nothing happens without one).
    connect(w, &MainWindow::modelOpened, this, [this] {
        if (const auto &m = m_wb.window()->currentModel())
            loadLatest(m->summary.path);
    });
    connect(m_job, &KeyedJob::failed, this, [this](const QString &msg) {
        m_action->setEnabled(m_wb.window()->currentModel().has_value());
        m_wb.window()->messageBar()->showError(tr("Measure pass: %1").arg(msg));
    });
    connect(m_job, &KeyedJob::cancelled, this, [this] {
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
    jobs::MeasureRequest r;
    r.modelDir = m->summary.path.toStdString();
    r.calibration.path = calib.toStdString();
    r.calibration.samples = m_wb.runsPanel()->calibrationSamples();
    r.settings.backend.method = quantMethodFromName(m_wb.runsPanel()->backend().toStdString());
    r.settings.backend.groupSize = m_wb.runsPanel()->groupSize();
    r.settings.backend.symmetric = m_wb.runsPanel()->symmetric();
    r.settings.backend.actOrder = m_wb.runsPanel()->actOrder();
    m_action->setEnabled(false);
    m_job->start<jobs::MeasureJobResult>([r](const jobs::JobContext &c) { return jobs::runMeasure(r, c); },
                                         AppSettings::jobContext(),
                                         [this](jobs::MeasureJobResult result) { apply(result); });
}

void MeasureSetup::loadLatest(const QString &modelDir)
{
    const QString storePath = AppSettings::storePath();
    if (storePath.isEmpty() || !QFileInfo::exists(storePath))
        return;
    const std::string dir = modelDir.toStdString();
    // Reading the store fingerprints the model folder (hashing its files): off the GUI thread.
    m_load->start<std::optional<jobs::MeasureJobResult>>(
        [dir](const jobs::JobContext &c) -> std::optional<jobs::MeasureJobResult> {
            const auto id = jobs::latestMeasureRun(c, dir);
            if (!id)
                return std::nullopt;
            jobs::MeasureJobResult r = jobs::loadMeasure(c, *id);
            r.modelDir = dir;
            return r;
        },
        jobContext(storePath),
        [this](std::optional<jobs::MeasureJobResult> r) {
            if (r)
                apply(*r);
        });
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
