#include "ui/diagnostics/analysiscontroller.h"

#include "core/analysis/analysis_job.h"
#include "core/model/model.h"
#include "ui/jobrunner.h"

#include <QPointer>

#include <atomic>
#include <cmath>

namespace lieq::ui {

namespace {
const QString kKey = QStringLiteral("analysis");

struct Rows
{
    std::vector<store::LayerMetric> layer;
    std::vector<store::ProjectionMetric> projection;
};

// Only what the stage completed: NaN fields of a layer are not yet known and are left out,
// so a dPPL arrival never blanks the spectra shown before it.
Rows toRows(analysis::DiagnosticsStage stage, const analysis::LayerDiagnostics &d)
{
    Rows r;
    auto add = [&](const char *m, double v) {
        if (std::isfinite(v))
            r.layer.push_back({d.layer, m, v});
    };
    if (stage == analysis::DiagnosticsStage::Dppl) {
        add("dppl", d.dppl);
        add("ppl_skipped", d.pplSkipped);
        return r;
    }
    add("dr", d.dr);
    add("dE", d.dE);
    add("compact", d.compactTrained);
    add("compact_random", d.compactRandom);
    for (const auto &p : d.projections) {
        if (std::isfinite(p.dr))
            r.projection.push_back({d.layer, p.projection, "dr", std::nullopt, p.dr});
        if (std::isfinite(p.dE))
            r.projection.push_back({d.layer, p.projection, "dE", std::nullopt, p.dE});
    }
    return r;
}
} // namespace

AnalysisController::AnalysisController(JobRunner *jobs, QObject *parent) : QObject(parent), m_jobs(jobs)
{
    connect(m_jobs, &JobRunner::failed, this, [this](JobId, const QString &key, const QString &m) {
        if (key == kKey)
            Q_EMIT analysisFailed(m);
    });
    connect(m_jobs, &JobRunner::cancelled, this, [this](JobId, const QString &key) {
        if (key == kKey)
            Q_EMIT analysisCancelled();
    });
}

void AnalysisController::start(const Request &request)
{
    analysis::AnalysisRequest req;
    req.modelDir = request.modelDir.toStdString();
    req.calibration = request.calibration;
    req.settings = request.settings;
    req.useStore = !request.storePath.isEmpty();
    req.storePath = request.storePath.toStdString();
    req.reuse = request.reuse;
    req.modelOptions.device = request.device.isEmpty() ? std::string("cpu") : request.device.toStdString();
    const int threads = request.threads;
    QPointer<AnalysisController> self(this);
    // Rows of a superseded run must not reach the view: each run checks it is still current.
    auto id = std::make_shared<std::atomic<JobId>>(0);
    const JobId job = m_jobs->start<analysis::AnalysisOutcome>(
        kKey,
        [req, self, id, threads, jobs = m_jobs](const lieq::ProgressFn &progress) {
            lieq::setComputeThreads(threads); // this worker thread's torch pool
            auto onLayer = [self, id, jobs](analysis::DiagnosticsStage stage, const analysis::LayerDiagnostics &d) {
                Rows rows = toRows(stage, d);
                QMetaObject::invokeMethod(
                    self.data(),
                    [self, id, jobs, rows = std::move(rows)] {
                        if (self && jobs->currentJob(kKey) == id->load())
                            Q_EMIT self->layerAvailable(rows.layer, rows.projection);
                    },
                    Qt::QueuedConnection);
            };
            return analysis::runAnalysis(req, onLayer, progress);
        },
        [this](analysis::AnalysisOutcome o) {
            if (o.reused) {
                // Nothing streamed: hand over every layer at once.
                for (const auto &l : o.result.layers) {
                    Rows a = toRows(analysis::DiagnosticsStage::Spectral, l);
                    const Rows b = toRows(analysis::DiagnosticsStage::Dppl, l);
                    a.layer.insert(a.layer.end(), b.layer.begin(), b.layer.end());
                    Q_EMIT layerAvailable(a.layer, a.projection);
                }
            }
            Q_EMIT analysisAvailable(o.result.pplBase, o.runId, o.reused, o.result.timings.totalSeconds);
        });
    id->store(job);
}

void AnalysisController::cancel() { m_jobs->cancelKey(kKey); }

bool AnalysisController::isRunning() const { return m_jobs->isKeyBusy(kKey); }

} // namespace lieq::ui
