#include "ui/measurecontroller.h"

#include "ui/jobrunner.h"

#include <QFileInfo>

#include <optional>

namespace lieq::ui {

namespace {
const QString kKey = QStringLiteral("measure");
const QString kLoadKey = QStringLiteral("measure:load");
} // namespace

MeasureController::MeasureController(JobRunner *jobs, QObject *parent) : QObject(parent), m_jobs(jobs)
{
    connect(m_jobs, &JobRunner::failed, this, [this](JobId, const QString &key, const QString &m) {
        if (key == kKey)
            Q_EMIT measureFailed(m);
    });
    connect(m_jobs, &JobRunner::cancelled, this, [this](JobId, const QString &key) {
        if (key == kKey)
            Q_EMIT measureCancelled();
    });
}

void MeasureController::start(const Request &request)
{
    jobs::MeasureRequest req;
    req.modelDir = request.modelDir.toStdString();
    req.calibration = request.calibration;
    req.probeWindows = request.probeWindows;
    req.settings = request.settings;
    jobs::JobContext context;
    context.store.enabled = !request.storePath.isEmpty();
    context.store.path = request.storePath.toStdString();
    context.device = request.device.isEmpty() ? std::string("cpu") : request.device.toStdString();
    context.threads = request.threads;
    m_jobs->start<jobs::MeasureJobResult>(
        kKey,
        [req, context](const lieq::ProgressFn &progress) mutable {
            context.progress = progress;
            return jobs::runMeasure(req, context);
        },
        [this](jobs::MeasureJobResult r) { Q_EMIT measureAvailable(r); });
}

void MeasureController::cancel() { m_jobs->cancelKey(kKey); }

bool MeasureController::isRunning() const { return m_jobs->isKeyBusy(kKey); }

void MeasureController::loadLatest(const QString &modelDir, const QString &storePath)
{
    if (storePath.isEmpty() || !QFileInfo::exists(storePath))
        return;
    jobs::JobContext context;
    context.store.path = storePath.toStdString();
    const std::string dir = modelDir.toStdString();
    // Reading the store fingerprints the model folder (hashing its files): off the GUI thread.
    m_jobs->start<std::optional<jobs::MeasureJobResult>>(
        kLoadKey,
        [context, dir](const lieq::ProgressFn &) -> std::optional<jobs::MeasureJobResult> {
            const auto id = jobs::latestMeasureRun(context, dir);
            if (!id)
                return std::nullopt;
            jobs::MeasureJobResult r = jobs::loadMeasure(context, *id);
            r.modelDir = dir;
            return r;
        },
        [this](std::optional<jobs::MeasureJobResult> r) {
            if (r)
                Q_EMIT measureAvailable(*r);
        });
}

} // namespace lieq::ui
