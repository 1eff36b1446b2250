#include "ui/analysiscontroller.h"

#include "core/jobs/analysis_job.h"
#include "ui/jobrunner.h"

#include <QPointer>

#include <atomic>

namespace lieq::ui {

namespace {
const QString kKey = QStringLiteral("analysis");
} // namespace

AnalysisController::AnalysisController(JobRunner *jobs, QObject *parent) : QObject(parent), m_jobs(jobs)
{
    m_jobs->watchKey(kKey, this, [this](const QString &m) { Q_EMIT analysisFailed(m); },
                     [this] { Q_EMIT analysisCancelled(); });
}

void AnalysisController::start(const Request &request)
{
    jobs::AnalysisRequest req;
    req.modelDir = request.modelDir.toStdString();
    req.calibration = request.calibration;
    req.settings = request.settings;
    req.reuse = request.reuse;
    jobs::JobContext context = jobContext(request.storePath, request.device, request.threads);
    QPointer<AnalysisController> self(this);
    // Rows of a superseded run must not reach the view: each run checks it is still current.
    auto id = std::make_shared<std::atomic<JobId>>(0);
    const JobId job = m_jobs->start<jobs::AnalysisResult>(
        kKey,
        [req, context, self, id, runner = m_jobs](const lieq::ProgressFn &progress) mutable {
            context.progress = progress;
            auto onLayer = [self, id, runner](analysis::DiagnosticsStage stage, const analysis::LayerDiagnostics &d) {
                jobs::LayerRows rows = jobs::layerRows(stage, d);
                QMetaObject::invokeMethod(
                    self.data(),
                    [self, id, runner, rows = std::move(rows)] {
                        if (self && runner->currentJob(kKey) == id->load())
                            Q_EMIT self->layerAvailable(rows.layer, rows.projections);
                    },
                    Qt::QueuedConnection);
            };
            return jobs::runAnalysis(req, context, onLayer);
        },
        [this](jobs::AnalysisResult o) {
            Q_EMIT analysisAvailable(o.diagnostics.pplBase, o.runId, o.reused,
                                     o.diagnostics.timings.totalSeconds);
        });
    id->store(job);
}

void AnalysisController::cancel() { m_jobs->cancelKey(kKey); }

bool AnalysisController::isRunning() const { return m_jobs->isKeyBusy(kKey); }

} // namespace lieq::ui
