#include "ui/runqueue.h"

#include "ui/jobrunner.h"
#include "ui/runqueuemodel.h"

namespace lieq::ui {

static const QString kRunKey = QStringLiteral("run");

RunQueue::RunQueue(JobRunner *jobs, RunQueueModel *model, QObject *parent)
    : QObject(parent), m_jobs(jobs), m_model(model)
{
    qRegisterMetaType<lieq::ui::RunResult>();
    connect(m_jobs, &JobRunner::progress, this, [this](const JobProgress &p) {
        if (p.id == m_job && m_running)
            m_model->setProgress(m_running, p.fraction, p.etaSeconds, stageText(p));
    });
    connect(m_jobs, &JobRunner::failed, this, [this](JobId id, const QString &, const QString &msg) {
        if (id != m_job || !m_running)
            return;
        const int run = m_running;
        m_model->setStatus(run, RunQueueModel::Status::Failed, msg);
        Q_EMIT runFailed(run, msg);
    });
    connect(m_jobs, &JobRunner::cancelled, this, [this](JobId id) {
        if (id != m_job || !m_running)
            return;
        const int run = m_running;
        m_model->setStatus(run, RunQueueModel::Status::Cancelled);
        Q_EMIT runCancelled(run);
    });
    connect(m_jobs, &JobRunner::finished, this, [this](JobId id) {
        if (id != m_job)
            return;
        m_running = 0;
        m_job = 0;
        startNext();
    });
}

QString RunQueue::stageText(const JobProgress &p)
{
    // Core's stage names, as the user reads them; unknown ones (task names) as they are.
    QString stage = p.stage;
    if (p.stage == QLatin1StringView("quantize"))
        stage = tr("quantizing");
    else if (p.stage == QLatin1StringView("perplexity"))
        stage = tr("perplexity");
    else if (p.stage == QLatin1StringView("save"))
        stage = tr("saving");
    else if (p.stage == QLatin1StringView("preparing"))
        stage = tr("preparing");
    else if (p.stage == QLatin1StringView("loading model"))
        stage = tr("loading model");
    else if (p.stage == QLatin1StringView("tokenizing"))
        stage = tr("tokenizing");
    QString text = stage;
    // Per module while quantizing ("layer 3 q_proj"); other stages' details are log text.
    if (p.stage == QLatin1StringView("quantize") && p.detail.startsWith(QLatin1StringView("layer ")))
        text += QStringLiteral(" · ") + p.detail;
    if (p.total > 1)
        text += QStringLiteral(" (%1/%2)").arg(p.done).arg(p.total);
    return text;
}

void RunQueue::setExecutor(RunRequest::Kind kind, Executor executor)
{
    m_executors[kind] = std::move(executor);
}

int RunQueue::enqueue(const RunRequest &request)
{
    const int id = m_model->add(request);
    if (!m_running)
        startNext();
    return id;
}

void RunQueue::cancel(int runId)
{
    if (runId == m_running) {
        m_jobs->cancel(m_job);
        return;
    }
    const auto *e = m_model->entry(runId);
    if (e && e->status == RunQueueModel::Status::Queued) {
        m_model->setStatus(runId, RunQueueModel::Status::Cancelled);
        Q_EMIT runCancelled(runId);
    }
}

void RunQueue::cancelAll()
{
    while (const int id = m_model->nextQueued())
        cancel(id);
    if (m_running)
        cancel(m_running);
}

void RunQueue::startNext()
{
    const int id = m_model->nextQueued();
    if (!id) {
        Q_EMIT idle();
        return;
    }
    const RunRequest request = m_model->entry(id)->request;
    const auto it = m_executors.find(request.kind);
    if (it == m_executors.end()) {
        // Say plainly what is missing instead of pretending to run.
        const QString msg = tr("No %1 backend in this build: the core pipeline for it is not available yet.")
                                .arg(kindName(request.kind));
        m_model->setStatus(id, RunQueueModel::Status::Failed, msg);
        Q_EMIT runFailed(id, msg);
        startNext();
        return;
    }
    m_running = id; // before the status change, so views updating on it see the run
    m_model->setStatus(id, RunQueueModel::Status::Running);
    Q_EMIT runStarted(id);
    Executor exec = it->second;
    m_job = m_jobs->start<RunResult>(
        kRunKey, [exec, request](const lieq::ProgressFn &p) { return exec(request, p); },
        [this, id](RunResult r) {
            m_model->setResult(id, r);
            m_model->setStatus(id, RunQueueModel::Status::Done);
            Q_EMIT runAvailable(id, r);
        });
}

} // namespace lieq::ui
