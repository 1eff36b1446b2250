#include "ui/jobrunner.h"

#include <QCoreApplication>

#include <algorithm>
#include <cerrno>

#ifdef Q_OS_LINUX
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace lieq::ui {

JobRunner::JobRunner(QObject *parent, int maxThreads) : QObject(parent)
{
    qRegisterMetaType<lieq::ui::JobProgress>();
    qRegisterMetaType<lieq::ui::JobId>("lieq::ui::JobId");
    m_pool.setMaxThreadCount(std::max(1, maxThreads));
    // Core code may spend seconds between callbacks inside one matmul; never let the pool
    // expire a thread that is about to be reused by the next queued run.
    m_pool.setExpiryTimeout(-1);
}

jobs::JobContext jobContext(const QString &storePath, const QString &device, int threads)
{
    jobs::JobContext c;
    c.store.enabled = !storePath.isEmpty();
    c.store.path = storePath.toStdString();
    c.device = device.isEmpty() ? std::string("cpu") : device.toStdString();
    c.threads = threads;
    return c;
}

JobRunner::~JobRunner()
{
    cancelAll();
    m_pool.waitForDone();
}

std::shared_ptr<JobRunner::State> JobRunner::begin(const QString &key)
{
    if (const auto it = m_current.constFind(key); it != m_current.cend())
        cancel(it.value()); // superseded: its result will be dropped as stale
    auto state = std::make_shared<State>();
    state->id = m_nextId++;
    state->key = key;
    state->clock.start();
    m_jobs.insert(state->id, state);
    m_current.insert(key, state->id);
    Q_EMIT started(state->id, key);
    return state;
}

lieq::ProgressFn JobRunner::makeProgressFn(const std::shared_ptr<State> &state)
{
    QPointer<JobRunner> self(this);
    const int interval = m_progressIntervalMs;
    return [self, state, interval](const lieq::Progress &p) -> bool {
        if (state->cancel.load())
            return false;
        bool emitNow = false;
        double elapsed = 0;
        {
            std::lock_guard lock(state->mutex);
            const qint64 now = state->clock.elapsed();
            // Throttle: a core loop may report thousands of times a second; the GUI thread
            // only needs a few updates to draw a bar. The first and last steps of a stage
            // always go out (the first one starts the stage's ETA clock).
            const bool newStage = p.stage != state->emittedStage;
            if (newStage || now - state->lastEmitMs >= interval || (p.total > 0 && p.done >= p.total)) {
                state->emittedStage = p.stage;
                state->lastEmitMs = now;
                emitNow = true;
                elapsed = now / 1000.0;
            }
        }
        if (emitNow && self) {
            const JobId id = state->id;
            const QString key = state->key;
            QMetaObject::invokeMethod(
                self.data(),
                [self, id, key, p, elapsed]() {
                    if (self)
                        self->onProgress(id, key, p, elapsed);
                },
                Qt::QueuedConnection);
        }
        return !state->cancel.load();
    };
}

int JobRunner::lowerWorkerPriority()
{
#ifdef Q_OS_LINUX
    // Per thread on Linux: setpriority() with a thread id changes only that thread. A pool
    // thread is lowered once; the value sticks for the jobs it runs later.
    thread_local bool lowered = false;
    const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
    errno = 0;
    const int now = ::getpriority(PRIO_PROCESS, tid);
    if (!lowered && errno == 0) {
        ::setpriority(PRIO_PROCESS, tid, std::min(19, now + kWorkerNice));
        lowered = true;
    }
    errno = 0;
    const int after = ::getpriority(PRIO_PROCESS, tid);
    return errno == 0 ? after : now;
#else
    return 0;
#endif
}

void JobRunner::onProgress(JobId id, const QString &key, const lieq::Progress &p, double elapsed)
{
    const auto it = m_jobs.constFind(id);
    if (it == m_jobs.cend() || m_current.value(key) != id)
        return; // a cancelled or superseded job's late report
    State &s = *it.value();
    if (s.stage != p.stage) {
        // A stage begins where the previous one reported last (its final step always goes
        // out), or at the job's start.
        s.stageStart = s.stage.empty() ? 0.0 : s.lastReport;
        s.stage = p.stage;
    }
    s.lastReport = elapsed;
    JobProgress jp;
    jp.id = id;
    jp.key = key;
    jp.stage = QString::fromStdString(p.stage);
    jp.detail = QString::fromStdString(p.detail);
    jp.done = p.done;
    jp.total = p.total;
    jp.fraction = p.total > 0 ? std::clamp(double(p.done) / double(p.total), 0.0, 1.0) : 0.0;
    jp.elapsedSeconds = elapsed;
    // Linear extrapolation within the stage: simple, and honest about being an estimate.
    const double inStage = elapsed - s.stageStart;
    if (jp.fraction > 0.0 && jp.fraction < 1.0 && inStage > 0)
        jp.etaSeconds = inStage * (1.0 - jp.fraction) / jp.fraction;
    else if (jp.fraction >= 1.0)
        jp.etaSeconds = 0;
    Q_EMIT progress(jp);
}

bool JobRunner::end(const std::shared_ptr<State> &state, Ending ending, const QString &message)
{
    const JobId id = state->id;
    const QString key = state->key;
    m_jobs.remove(id);
    const bool current = m_current.value(key) == id;
    if (current)
        m_current.remove(key);
    const bool wasCancelled = ending == Ending::Cancelled || state->cancel.load();
    bool deliver = false;
    if (!current && ending != Ending::Cancelled)
        Q_EMIT staleDropped(id, key); // superseded: whatever it produced is out of date
    else if (wasCancelled)
        Q_EMIT cancelled(id, key);
    else if (ending == Ending::Failed)
        Q_EMIT failed(id, key, message);
    else
        deliver = true;
    Q_EMIT finished(id, key);
    return deliver;
}

void JobRunner::cancel(JobId id)
{
    if (const auto it = m_jobs.constFind(id); it != m_jobs.cend())
        it.value()->cancel.store(true);
}

void JobRunner::cancelKey(const QString &key)
{
    if (const auto it = m_current.constFind(key); it != m_current.cend())
        cancel(it.value());
}

void JobRunner::watchKey(const QString &key, QObject *receiver,
                         std::function<void(const QString &)> onFailed, std::function<void()> onCancelled)
{
    connect(this, &JobRunner::failed, receiver, [key, onFailed](JobId, const QString &k, const QString &m) {
        if (k == key)
            onFailed(m);
    });
    connect(this, &JobRunner::cancelled, receiver, [key, onCancelled](JobId, const QString &k) {
        if (k == key)
            onCancelled();
    });
}

void JobRunner::cancelAll()
{
    for (const auto &s : std::as_const(m_jobs))
        s->cancel.store(true);
}

bool JobRunner::isRunning(JobId id) const { return m_jobs.contains(id); }

bool JobRunner::isKeyBusy(const QString &key) const { return m_current.contains(key); }

int JobRunner::runningCount() const { return int(m_jobs.size()); }

JobId JobRunner::currentJob(const QString &key) const { return m_current.value(key, 0); }

QString JobRunner::describe(std::exception_ptr e)
{
    try {
        std::rethrow_exception(e);
    } catch (const lieq::Error &err) {
        return QString::fromStdString(err.what());
    } catch (const std::bad_alloc &) {
        return tr("Out of memory");
    } catch (const std::exception &err) {
        return tr("Internal error: %1").arg(QString::fromStdString(err.what()));
    } catch (...) {
        return tr("Unknown internal error");
    }
}

} // namespace lieq::ui
