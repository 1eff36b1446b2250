#include "ui/workbench.h"

#include "core/io/checkpoint.h"
#include "core/jobs/evaluate_job.h"
#include "core/util/demo_model.h"
#include "ui/analysiscontroller.h"
#include "ui/aboutdialog.h"
#include "ui/appsettings.h"
#include "ui/budgetpanel.h"
#include "ui/exportdialog.h"
#include "ui/historypanel.h"
#include "ui/jobrunner.h"
#include "ui/layermetricsmodel.h"
#include "ui/layerview.h"
#include "ui/mainwindow.h"
#include "ui/measuresetup.h"
#include "ui/messagebar.h"
#include "ui/plandriver.h"
#include "ui/runexecutors.h"
#include "ui/runqueue.h"
#include "ui/runqueuemodel.h"
#include "ui/runspanel.h"
#include "ui/settingsdialog.h"
#include "ui/storedquantrun.h"
#include "ui/sweepsetup.h"

#include <QCheckBox>
#include <QDateTime>
#include <QDir>
#include <QEventLoop>
#include <QFileInfo>
#include <QItemSelectionModel>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <cstdio>

// The .qrc is compiled into the static lieq_ui library; referencing its initialiser keeps the
// linker from dropping it (Q_INIT_RESOURCE must be used outside any namespace).
static void initWorkbenchResources() { Q_INIT_RESOURCE(lieq); }

namespace lieq::ui {

Workbench::Workbench()
{
    initWorkbenchResources();
    m_window = std::make_unique<MainWindow>();
    MainWindow *w = m_window.get();
    m_layers = new LayerMetricsModel(this);
    m_layerView = new LayerView(m_layers);
    m_budget = new BudgetPanel;
    m_runModel = new RunQueueModel(this);
    m_queue = new RunQueue(w->jobs(), m_runModel, this);
    m_queue->setExecutor(RunRequest::Kind::Evaluate, &evaluateUnquantized);
    m_queue->setExecutor(RunRequest::Kind::Quantize, &quantizeAndEvaluate);
    m_runs = new RunsPanel(m_queue);
    m_history = new HistoryPanel(w->jobs());
    w->addView(m_layerView, QStringLiteral("layers"));
    w->addView(m_budget, QStringLiteral("budget"));
    w->addView(m_runs, QStringLiteral("runs"));
    w->addView(m_history, QStringLiteral("history"));

    connect(w, &MainWindow::modelOpened, this, &Workbench::onModelOpened);
    connect(w, &MainWindow::modelChanged, this, [this] {
        const bool open = m_window->currentModel().has_value();
        m_layerView->setModelOpen(open);
        m_runs->setModelOpen(open);
        if (!open) {
            m_layers->resetLayers({});
            m_budget->clearModel();
        }
    });
    // Scores for the allocator: the layer-mean compactness dr, as the method prescribes; dE and
    // dPPL can drive the plan instead (the budget panel's "Plan from") once every layer has one.
    connect(m_layers, &LayerMetricsModel::metricsChanged, this, [this] {
        m_budget->setScores(m_layers->metricVector("dr"));
        for (const std::string key : {"dE", "dppl"}) {
            std::vector<double> v = m_layers->metricVector(key);
            const bool complete = !v.empty() && std::all_of(v.begin(), v.end(), [](double x) {
                return std::isfinite(x);
            });
            m_budget->planDriver().setSeries(key, complete ? std::move(v) : std::vector<double>{});
        }
        m_budget->driverDataChanged();
    });
    connect(m_budget, &BudgetPanel::planChanged, m_layers, &LayerMetricsModel::setPlan);
    connect(m_budget, &BudgetPanel::pinsChanged, m_layers, &LayerMetricsModel::setPins);
    connect(m_layerView, &LayerView::pinRequested, m_budget, &BudgetPanel::showPinMenu);
    // One quantization grid: the budget's size estimate and the runs use the same group size
    // and symmetry, whichever view changes them (setValue on an equal value emits nothing).
    connect(m_budget->groupSizeBox(), &QSpinBox::valueChanged, m_runs->groupSizeBox(), &QSpinBox::setValue);
    connect(m_runs->groupSizeBox(), &QSpinBox::valueChanged, m_budget->groupSizeBox(), &QSpinBox::setValue);
    connect(m_budget->symmetricBox(), &QCheckBox::toggled, m_runs->symmetricBox(), &QCheckBox::setChecked);
    connect(m_runs->symmetricBox(), &QCheckBox::toggled, m_budget->symmetricBox(), &QCheckBox::setChecked);

    connect(m_runs, &RunsPanel::evaluateRequested, this, [this] {
        if (!m_window->currentModel()) {
            m_window->messageBar()->showError(tr("Open a model first."));
            return;
        }
        RunRequest r = baseRequest();
        r.kind = RunRequest::Kind::Evaluate;
        r.backend = "fp16";
        m_queue->enqueue(r);
    });
    connect(m_runs, &RunsPanel::quantizeRequested, this, [this] {
        if (!m_window->currentModel() || !m_budget->plan()) {
            m_window->messageBar()->showError(tr("Open a model and choose a plan first."));
            return;
        }
        RunRequest r = baseRequest();
        r.kind = RunRequest::Kind::Quantize;
        r.backend = m_runs->backend().toStdString();
        r.plan = *m_budget->plan();
        r.groupSize = m_runs->groupSize();
        r.symmetric = m_runs->symmetric();
        r.actOrder = m_runs->actOrder();
        r.calibrationSamples = m_runs->calibrationSamples();
        if (m_runs->saveCheckpoint())
            r.outputDir = checkpointFolder(r);
        m_queue->enqueue(r);
    });
    connect(m_queue, &RunQueue::runFailed, this,
            [this](int id, const QString &msg) { m_window->messageBar()->showError(tr("Run %1: %2").arg(id).arg(msg)); });
    // Finished and cancelled runs are in the store (a cancelled quantization as "cancelled").
    connect(m_queue, &RunQueue::runAvailable, m_history, &HistoryPanel::refresh);
    connect(m_queue, &RunQueue::runCancelled, m_history, &HistoryPanel::refresh);
    connect(m_history, &HistoryPanel::quantRunReopened, this, [this](const StoredQuantRun &s) {
        int row = m_runModel->rowOfStoreRun(s.result.storeRunId);
        if (row < 0)
            row = m_runModel->rowOf(m_runModel->addFinished(s.request, s.result));
        m_window->tabs()->setCurrentWidget(m_runs);
        m_runs->selectRow(row);
    });
    connect(m_history, &HistoryPanel::historyFailed, w->messageBar(), &MessageBar::showError);
    connect(m_history, &HistoryPanel::analysisReopened, this, [this](const store::AnalysisRunDetail &d) {
        auto detail = std::make_shared<store::AnalysisRunDetail>(d);
        const QString path = QString::fromStdString(d.model.path);
        const auto &cur = m_window->currentModel();
        if (cur && QFileInfo(cur->summary.path) == QFileInfo(path)) {
            m_layers->clearMetrics();
            m_layers->addMetrics(detail->layers, detail->projections);
            m_window->tabs()->setCurrentWidget(m_layerView);
            return;
        }
        m_pendingReopenPath = path;
        m_pendingDetail = detail;
        m_window->openModel(path);
    });
    connect(w, &MainWindow::modelOpenFailed, this, [this] { m_pendingDetail.reset(); });
    m_analysis = new AnalysisController(w->jobs(), this);
    connect(m_analysis, &AnalysisController::layerAvailable, m_layers, &LayerMetricsModel::addMetrics);
    connect(m_layerView, &LayerView::analyzeRequested, this, [this] { startAnalysis(); });
    connect(m_layerView, &LayerView::cancelRequested, m_analysis, &AnalysisController::cancel);
    connect(m_analysis, &AnalysisController::analysisAvailable, this,
            [this](double ppl, qint64 runId, bool reused, double seconds) {
                m_layerView->setAnalysisRunning(false);
                m_layerView->setStatusText(tr("Baseline PPL %1; run %2 %3 (%4 s)")
                                               .arg(ppl, 0, 'f', 3)
                                               .arg(runId)
                                               .arg(reused ? tr("reused from the store") : tr("stored"))
                                               .arg(seconds, 0, 'f', 1));
                m_history->refresh();
            });
    connect(m_analysis, &AnalysisController::failed, this, [this](const QString &m) {
        m_layerView->setAnalysisRunning(false);
        m_layerView->setStatusText(m);
    });
    connect(m_analysis, &AnalysisController::cancelled, this, [this] {
        m_layerView->setAnalysisRunning(false);
        m_layerView->setStatusText(tr("Analysis cancelled."));
    });
    connect(w, &MainWindow::settingsChanged, this, &Workbench::applySettings);
    connect(w, &MainWindow::exportRequested, this, [this] {
        ExportDialog dialog(m_window->jobs(), exportRequest(), m_window.get());
        dialog.exec();
    });
    applySettings();
    // The Sweeps view and its Sweep action (ui/sweepsetup: all the wiring; owned by the window).
    new SweepSetup(*this, w->toolsMenu());
    // The measure pass and its action (ui/measuresetup: feeds the budget panel's plan drivers).
    m_measure = new MeasureSetup(*this, w->toolsMenu());
}

Workbench::~Workbench() = default;

QString Workbench::version() { return AboutDialog::versionString(); }

void Workbench::onModelOpened()
{
    const auto &m = m_window->currentModel();
    const ModelConfig &c = m->checkpoint->config();
    m_layers->resetLayers(std::vector<std::int64_t>(std::size_t(c.numLayers), c.layerLinearParams()));
    m_budget->setModel(c, m->summary.parameters - m->summary.decoderLinearParams);
    m_layerView->setStatusText(tr("%1 layers. Per-layer diagnostics appear here as they are computed, or "
                                  "reopen an analysis from History.")
                                   .arg(c.numLayers));
    if (m_pendingDetail && QFileInfo(m->summary.path) == QFileInfo(m_pendingReopenPath)) {
        auto d = std::static_pointer_cast<store::AnalysisRunDetail>(m_pendingDetail);
        m_layers->addMetrics(d->layers, d->projections);
        m_window->tabs()->setCurrentWidget(m_layerView);
    }
    m_pendingDetail.reset();
}

void Workbench::applySettings()
{
    m_history->setStorePath(AppSettings::storePath());
    const QString tasks = taskDataDirectory();
    m_runs->setTaskData(tasks, jobs::taskDataStatus(tasks.toStdString()));
}

RunRequest Workbench::baseRequest() const
{
    RunRequest r;
    r.modelPath = m_window->currentModel()->summary.path;
    r.calibrationData = calibrationData();
    r.evaluationData = evaluationData();
    r.device = AppSettings::device();
    r.threads = AppSettings::threads();
    r.storePath = AppSettings::storePath();
    r.taskDataDir = taskDataDirectory();
    r.tasks = m_runs->tasks();
    r.taskLimit = m_runs->taskLimit();
    return r;
}

QString Workbench::checkpointFolder(const RunRequest &r) const
{
    // Beside the experiment store, one folder per run, named so that a listing reads well.
    const QString base = QFileInfo(AppSettings::storePath()).absolutePath() + QStringLiteral("/checkpoints/");
    return base + QStringLiteral("%1-%2-%3b-%4")
                      .arg(QFileInfo(r.modelPath).fileName(), QString::fromStdString(r.backend))
                      .arg(r.plan.nominalBits(), 0, 'f', 2)
                      .arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss")));
}

QString Workbench::taskDataDirectory() const
{
    // The folder chosen in Settings, else core's default ($LIEQ_DATA_DIR, ../shared/data) when
    // it exists.
    const QString dir = AppSettings::dataDirectory();
    if (!dir.isEmpty())
        return dir;
    const QString fallback = QString::fromStdString(jobs::defaultTaskDataDir());
    return QFileInfo(fallback).isDir() ? QFileInfo(fallback).absoluteFilePath() : QString();
}

QString Workbench::demoModelPath()
{
    return QString::fromStdString(lieq::findDemoModel().string());
}

QString Workbench::calibrationData() const
{
    const QString calib = AppSettings::calibrationData();
    return calib.isEmpty() ? evaluationData() : calib;
}

ExportRequest Workbench::exportRequest() const
{
    ExportRequest r;
    r.plan = m_budget->plan();
    r.sizes = m_budget->sizes();
    if (const auto &m = m_window->currentModel()) {
        r.checkpoint = m->checkpoint;
        r.baseName = m->summary.name.toStdString();
    }
    for (int l = 0; l < m_layers->layerCount(); ++l) {
        const auto pin = m_layers->pins().find(l);
        r.layers.push_back({l, m_layers->layerMetric(l, "dppl"), m_layers->layerMetric(l, "dr"),
                            m_layers->layerMetric(l, "dE"), m_layers->layerParams(l), m_layers->bits(l),
                            pin == m_layers->pins().end() ? 0 : pin->second});
    }
    return r;
}

void Workbench::startAnalysis(int samples, int seqlen)
{
    const auto &m = m_window->currentModel();
    if (!m) {
        m_window->messageBar()->showError(tr("Open a model first."));
        return;
    }
    jobs::AnalysisRequest r;
    r.modelDir = m->summary.path.toStdString();
    const QString calib = calibrationData();
    if (calib.isEmpty()) {
        m_window->messageBar()->showError(tr("Choose calibration data in Settings first."));
        return;
    }
    r.calibration.path = calib.toStdString();
    r.calibration.samples = samples;
    r.calibration.seqlen = seqlen;
    m_layers->clearMetrics();
    m_layerView->setAnalysisRunning(true);
    m_layerView->setStatusText(tr("Analysing %1…").arg(m->summary.name));
    m_analysis->start(r, AppSettings::jobContext());
}

QString Workbench::evaluationData() const
{
    QString data = AppSettings::evaluationData();
    if (data.isEmpty() && !AppSettings::dataDirectory().isEmpty()) {
        // The standard set when the data folder has it (the layout of ../shared/data).
        const QString wiki = AppSettings::dataDirectory() + QStringLiteral("/wikitext-2-raw/wiki.test.hf_joined.txt");
        if (QFileInfo::exists(wiki))
            data = wiki;
    }
    if (data.isEmpty()) {
        // Nothing chosen: the demo model's own validation text, so that the first start can
        // analyse and quantize without any set-up.
        const QString demo = demoModelPath();
        if (!demo.isEmpty() && QFileInfo::exists(demo + QStringLiteral("/validation.txt")))
            data = demo + QStringLiteral("/validation.txt");
    }
    return data;
}

void Workbench::show(const QString &model)
{
    m_window->show();
    QString open = model;
    // The last model of the previous session while its folder exists; on the first start the
    // embedded demo model. Otherwise the window's empty state offers a folder, the demo model
    // and the recent list.
    const QStringList recent = AppSettings::recentModels();
    if (open.isEmpty() && !recent.isEmpty() && QFileInfo(recent.first()).isDir())
        open = recent.first();
    if (open.isEmpty() && recent.isEmpty())
        open = demoModelPath();
    if (!open.isEmpty())
        m_window->openModel(open);
}

int Workbench::runScreenshots(const QString &model, const QString &dir, const QString &data)
{
    QDir().mkpath(dir);
    m_window->resize(1400, 860);
    m_window->show();
    bool ok = true;
    if (!model.isEmpty()) {
        // A local event loop, run once until the model opened: this is a batch mode, not the
        // interactive GUI, and nothing else is waiting on the thread.
        QEventLoop loop;
        QObject::connect(m_window.get(), &MainWindow::modelOpened, &loop, &QEventLoop::quit);
        QObject::connect(m_window.get(), &MainWindow::modelOpenFailed, &loop, [&](const QString &m) {
            std::fprintf(stderr, "open failed: %s\n", qPrintable(m));
            ok = false;
            loop.quit();
        });
        QTimer::singleShot(60000, &loop, &QEventLoop::quit);
        m_window->openModel(model);
        loop.exec();
    }
    auto waitFor = [](auto *sender, auto signal, int ms) {
        QEventLoop loop;
        QObject::connect(sender, signal, &loop, &QEventLoop::quit);
        QTimer::singleShot(ms, &loop, &QEventLoop::quit);
        loop.exec();
    };
    if (ok && !model.isEmpty() && !data.isEmpty()) {
        AppSettings::setCalibrationData(data);
        AppSettings::setEvaluationData(data);
        startAnalysis(8, 128);
        waitFor(m_analysis, &AnalysisController::analysisAvailable, 240000);
        m_budget->setBudget(2.4);
        // Small windows so that the batch mode stays quick: an FP16 baseline and two
        // quantizations of the current plan (RTN, GPTQ) give the runs view results, a Pareto
        // front and a side-by-side comparison.
        RunRequest r = baseRequest();
        r.kind = RunRequest::Kind::Evaluate;
        r.backend = "fp16";
        r.evaluationData = data;
        r.seqlen = 128;
        r.maxEvalWindows = 16;
        m_queue->enqueue(r);
        for (const char *backend : {"rtn", "gptq"}) {
            RunRequest q = r;
            q.kind = RunRequest::Kind::Quantize;
            q.backend = backend;
            q.plan = *m_budget->plan();
            q.calibrationData = data;
            q.calibrationSamples = 8;
            m_queue->enqueue(q);
        }
        waitFor(m_queue, &RunQueue::idle, 240000);
        for (int row = 0; row < m_runModel->rowCount(); ++row)
            if (m_runModel->at(row).status != RunQueueModel::Status::Done) {
                std::fprintf(stderr, "run %d did not finish: %s\n", m_runModel->at(row).id,
                             qPrintable(m_runModel->at(row).error));
                ok = false;
            }
        if (m_runModel->rowCount() >= 3)
            m_runs->compare(1, 2);
        m_history->refresh();
        waitFor(m_history, &HistoryPanel::historyAvailable, 20000);
    }
    auto save = [&](const QString &name) {
        QEventLoop settle;
        QTimer::singleShot(300, &settle, &QEventLoop::quit); // let charts lay out and paint
        settle.exec();
        const QString file = dir + QStringLiteral("/") + name + QStringLiteral(".png");
        if (!m_window->grab().save(file)) {
            std::fprintf(stderr, "cannot write %s\n", qPrintable(file));
            ok = false;
        } else {
            std::printf("%s\n", qPrintable(file));
        }
    };
    QTabWidget *tabs = m_window->tabs();
    if (tabs->count() == 0)
        save(QStringLiteral("main"));
    for (int i = 0; i < tabs->count(); ++i) {
        tabs->setCurrentIndex(i);
        save(QStringLiteral("view_") + tabs->widget(i)->objectName());
    }
    SettingsDialog settings(m_window.get());
    settings.show();
    settle(settings, dir + QStringLiteral("/dialog_settings.png"), ok);
    AboutDialog about(m_window.get());
    about.show();
    settle(about, dir + QStringLiteral("/dialog_about.png"), ok);
    return ok ? 0 : 1;
}

void Workbench::settle(QWidget &w, const QString &file, bool &ok)
{
    QEventLoop loop;
    QTimer::singleShot(300, &loop, &QEventLoop::quit);
    loop.exec();
    if (!w.grab().save(file))
        ok = false;
    else
        std::printf("%s\n", qPrintable(file));
}

} // namespace lieq::ui
