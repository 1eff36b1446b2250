#include "ui/analysiscontroller.h"

#include <QPointer>

#include <atomic>
#include <memory>

namespace lieq::ui {

AnalysisController::AnalysisController(JobRunner *jobs, QObject *parent)
    : KeyedJob(jobs, QStringLiteral("analysis"), parent)
{
}

void AnalysisController::start(const jobs::AnalysisRequest &request, const jobs::JobContext &context)
{
    QPointer<AnalysisController> self(this);
    // Rows of a superseded run must not reach the view: each run checks it is still current.
    auto id = std::make_shared<std::atomic<JobId>>(0);
    const JobId job = KeyedJob::start<jobs::AnalysisResult>(
        [request, self, id](const jobs::JobContext &c) {
            auto onLayer = [self, id](analysis::DiagnosticsStage stage, const analysis::LayerDiagnostics &d) {
                jobs::LayerRows rows = jobs::layerRows(stage, d);
                QMetaObject::invokeMethod(
                    self.data(),
                    [self, id, rows = std::move(rows)] {
                        if (self && self->isCurrent(id->load()))
                            Q_EMIT self->layerAvailable(rows.layer, rows.projections);
                    },
                    Qt::QueuedConnection);
            };
            return jobs::runAnalysis(request, c, onLayer);
        },
        context,
        [this](jobs::AnalysisResult o) {
            Q_EMIT analysisAvailable(o.diagnostics.pplBase, o.runId, o.reused,
                                     o.diagnostics.timings.totalSeconds);
        });
    id->store(job);
}

} // namespace lieq::ui
