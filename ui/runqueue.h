#pragma once

#include "core/util/progress.h"
#include "ui/runrequest.h"

#include <QObject>

#include <functional>
#include <map>

namespace lieq::ui {

class JobRunner;
class RunQueueModel;
struct JobProgress;

// Runs queued jobs one after another through the JobRunner (two heavy jobs on a small CPU only
// slow each other down), with per-run progress, ETA and cancel. What a run does is an
// executor per kind: a core function from request to result that reports progress.
class RunQueue : public QObject
{
    Q_OBJECT
public:
    using Executor = std::function<RunResult(const RunRequest &, const lieq::ProgressFn &)>;

    RunQueue(JobRunner *jobs, RunQueueModel *model, QObject *parent = nullptr);

    void setExecutor(RunRequest::Kind kind, Executor executor);
    int enqueue(const RunRequest &request); // returns the run id; starts it when idle
    void cancel(int runId);                 // queued: dropped to "cancelled"; running: stops
    void cancelAll();
    int runningRun() const { return m_running; }
    RunQueueModel *model() const { return m_model; }
    // "quantizing · layer 3 q_proj (15/35)": what the Status column shows for a running run.
    static QString stageText(const JobProgress &p);

Q_SIGNALS:
    void runStarted(int runId);
    void runAvailable(int runId, const lieq::ui::RunResult &result);
    void runFailed(int runId, const QString &message);
    void runCancelled(int runId);
    void idle();

private:
    void startNext();
    JobRunner *m_jobs;
    RunQueueModel *m_model;
    std::map<RunRequest::Kind, Executor> m_executors;
    int m_running = 0;
    quint64 m_job = 0;
};

} // namespace lieq::ui
