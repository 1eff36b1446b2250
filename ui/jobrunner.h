#pragma once

#include "core/jobs/job_context.h"
#include "core/util/error.h"
#include "core/util/progress.h"

#include <QElapsedTimer>
#include <QHash>
#include <QMetaType>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QThreadPool>

#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace lieq::ui {

using JobId = quint64;

// The context of a job started from the GUI: records into the store at storePath (nothing when
// empty), runs on `device` ("" = cpu: the GUI never picks a GPU by itself) with `threads`.
jobs::JobContext jobContext(const QString &storePath, const QString &device = {}, int threads = -1);

// One progress report of a running job, as the GUI thread sees it.
struct JobProgress
{
    JobId id = 0;
    QString key;          // the job's slot ("analysis", "quant:3", ...)
    QString stage;        // core's stage text
    QString detail;       // core's detail text ("layer 3 q_proj")
    qint64 done = 0;
    qint64 total = 0;
    double fraction = 0;  // done/total of the current stage, 0..1
    double etaSeconds = -1; // of the current stage; < 0: unknown yet
    double elapsedSeconds = 0;
};

// Runs core functions in worker threads. Every job has a key; starting a job under a key that
// already has one running cancels the old one and makes its result stale, so a slow old result
// can never overwrite a newer one (hotspot's JobTracker idea). Core progress callbacks become
// queued, throttled `progress` signals; cancel() makes the next callback return false, and the
// core then throws lieq::Cancelled. The result callback runs in the GUI thread only for the
// job that is still current under its key. Worker threads run at a lower scheduling priority
// than the GUI thread (Linux: nice +kWorkerNice), so a machine saturated by the job itself
// still gives the GUI thread the CPU as soon as it has an event to handle.
class JobRunner : public QObject
{
    Q_OBJECT
public:
    explicit JobRunner(QObject *parent = nullptr, int maxThreads = 2);
    ~JobRunner() override; // cancels everything and waits for the workers

    template<typename T>
    using Work = std::function<T(const lieq::ProgressFn &)>;

    // Starts `work` on a worker thread. `onResult` runs in the GUI thread with the value,
    // unless the job was cancelled, failed or superseded. Returns the job id.
    template<typename T>
    JobId start(const QString &key, Work<T> work, std::function<void(T)> onResult);

    void cancel(JobId id);
    void cancelKey(const QString &key);
    void cancelAll();
    bool isRunning(JobId id) const;
    bool isKeyBusy(const QString &key) const;
    int runningCount() const;
    JobId currentJob(const QString &key) const;
    // Calls onFailed(message) or onCancelled() in the GUI thread whenever a job under `key`
    // fails or is cancelled, for as long as `receiver` lives.
    void watchKey(const QString &key, QObject *receiver, std::function<void(const QString &)> onFailed,
                  std::function<void()> onCancelled);

    // Minimum time between two progress signals of one job (the last one always arrives).
    void setProgressInterval(int ms) { m_progressIntervalMs = ms; }
    QThreadPool *pool() { return &m_pool; }
    static constexpr int kWorkerNice = 5;
    // Lowers the calling thread's priority by kWorkerNice once (threads it starts, e.g. torch's
    // OpenMP pool, inherit it). Returns the thread's nice value after the call.
    static int lowerWorkerPriority();

Q_SIGNALS:
    void started(lieq::ui::JobId id, const QString &key);
    void progress(const lieq::ui::JobProgress &p);
    void cancelled(lieq::ui::JobId id, const QString &key);
    void failed(lieq::ui::JobId id, const QString &key, const QString &message);
    void finished(lieq::ui::JobId id, const QString &key); // after any of the endings
    void staleDropped(lieq::ui::JobId id, const QString &key);

private:
    struct State
    {
        JobId id = 0;
        QString key;
        std::atomic<bool> cancel{false};
        std::mutex mutex;           // guards the throttling fields below
        qint64 lastEmitMs = -1000000;
        std::string emittedStage;
        QElapsedTimer clock;
        // GUI thread only: where the current stage began, for a per-stage ETA (the elapsed time
        // of earlier stages says nothing about the rest of this one).
        std::string stage;
        double stageStart = 0;
        double lastReport = 0;
    };
    enum class Ending { Value, Cancelled, Failed };

    std::shared_ptr<State> begin(const QString &key);
    lieq::ProgressFn makeProgressFn(const std::shared_ptr<State> &state);
    void onProgress(JobId id, const QString &key, const lieq::Progress &p, double elapsed);
    // GUI thread: bookkeeping for an ended job; returns true when its value may be delivered.
    bool end(const std::shared_ptr<State> &state, Ending ending, const QString &message);
    static QString describe(std::exception_ptr e);

    QThreadPool m_pool;
    QHash<JobId, std::shared_ptr<State>> m_jobs; // running (GUI thread only)
    QHash<QString, JobId> m_current;             // key -> newest job
    JobId m_nextId = 1;
    int m_progressIntervalMs = 50;
};

template<typename T>
JobId JobRunner::start(const QString &key, Work<T> work, std::function<void(T)> onResult)
{
    std::shared_ptr<State> state = begin(key);
    lieq::ProgressFn progressFn = makeProgressFn(state);
    QPointer<JobRunner> self(this);
    m_pool.start([self, state, work = std::move(work), onResult = std::move(onResult),
                  progressFn]() mutable {
        auto value = std::make_shared<std::optional<T>>();
        Ending ending = Ending::Value;
        QString message;
        lowerWorkerPriority();
        try {
            value->emplace(work(progressFn));
        } catch (const lieq::Cancelled &) {
            ending = Ending::Cancelled;
        } catch (...) {
            ending = Ending::Failed;
            message = describe(std::current_exception());
        }
        if (!self)
            return;
        QMetaObject::invokeMethod(
            self.data(),
            [self, state, value, ending, message, onResult = std::move(onResult)]() {
                if (self && self->end(state, ending, message) && onResult)
                    onResult(std::move(**value));
            },
            Qt::QueuedConnection);
    });
    return state->id;
}

} // namespace lieq::ui

Q_DECLARE_METATYPE(lieq::ui::JobProgress)
