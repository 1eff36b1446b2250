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
    m_jobs->watchKey(kKey, this, [this](const QString &m) { Q_EMIT measureFailed(m); },
                     [this] { Q_EMIT measureCancelled(); });
}

void MeasureController::start(const Request &request)
{
    jobs::MeasureRequest req;
    req.modelDir = request.modelDir.toStdString();
    req.calibration = request.calibration;
    req.probeWindows = request.probeWindows;
    req.settings = request.settings;
    jobs::JobContext context = jobContext(request.storePath, request.device, request.threads);
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
