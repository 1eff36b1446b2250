#include "core/util/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace lieq {

namespace {

thread_local bool t_isPoolWorker = false;

int hardwareThreads()
{
    return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// LIEQ_THREADS, when set to a positive number, replaces the hardware count as the default.
int defaultThreads()
{
    if (const char *env = std::getenv("LIEQ_THREADS")) {
        const int n = std::atoi(env);
        if (n > 0)
            return n;
    }
    return hardwareThreads();
}

// One parallelFor call. Workers hold it by shared_ptr, so one that wakes after the call has
// returned finds no chunk left and never touches the caller's function.
struct Job
{
    const ThreadPool::RangeFn *fn = nullptr;
    std::int64_t n = 0;
    std::int64_t chunk = 1;
    std::int64_t chunks = 0;
    std::atomic<std::int64_t> next{0};
    std::atomic<std::int64_t> completed{0};
    std::atomic<bool> failed{false};
    std::mutex errorMutex;
    std::exception_ptr error;

    // Runs chunks until none is left; returns whether this call completed the last one.
    bool work()
    {
        bool finishedLast = false;
        for (;;) {
            const std::int64_t c = next.fetch_add(1, std::memory_order_relaxed);
            if (c >= chunks)
                break;
            if (!failed.load(std::memory_order_relaxed)) {
                try {
                    const std::int64_t begin = c * chunk;
                    (*fn)(begin, std::min(n, begin + chunk));
                } catch (...) {
                    std::lock_guard lock(errorMutex);
                    if (!error)
                        error = std::current_exception();
                    failed.store(true, std::memory_order_relaxed);
                }
            }
            if (completed.fetch_add(1, std::memory_order_acq_rel) + 1 == chunks)
                finishedLast = true;
        }
        return finishedLast;
    }
};

// How long a thread waits by spinning before it sleeps on a condition variable: a worker for
// the next parallelFor, the caller for the workers' last chunks. Decode splits ~200 products a
// token, a few microseconds apart; a sleeping thread costs a futex wake-up, and on a virtual
// machine the wake-up of a halted vCPU (an IPI through the hypervisor), at every split. Short
// enough that a thread whose work has ended gives its core back within a fraction of a
// millisecond. LIEQ_POOL_SPIN_US overrides it (0: always sleep at once).
std::chrono::nanoseconds spinLimit()
{
    static const std::chrono::nanoseconds limit = [] {
        if (const char *env = std::getenv("LIEQ_POOL_SPIN_US")) {
            const long us = std::atol(env);
            if (us >= 0)
                return std::chrono::nanoseconds(std::chrono::microseconds(us));
        }
        return std::chrono::nanoseconds(std::chrono::microseconds(100));
    }();
    return limit;
}

inline void cpuRelax()
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

// Spins until ready() or the spin limit; returns ready().
template <class Ready>
bool spinUntil(const Ready &ready)
{
    const std::chrono::nanoseconds limit = spinLimit();
    if (limit.count() <= 0)
        return ready();
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (int i = 0;; ++i) {
        if (ready())
            return true;
        cpuRelax();
        if ((i & 15) == 15 && std::chrono::steady_clock::now() >= deadline)
            return ready();
    }
}

thread_local int t_serialDepth = 0;

} // namespace

ThreadPool::SerialScope::SerialScope()
{
    ++t_serialDepth;
}

ThreadPool::SerialScope::~SerialScope()
{
    --t_serialDepth;
}

bool ThreadPool::SerialScope::active()
{
    return t_serialDepth > 0;
}

struct ThreadPool::State
{
    int threads = 1;             // including the caller
    std::mutex callMutex;        // one parallelFor at a time
    std::mutex mutex;            // guards job, sleepers, callerWaiting, workers
    std::condition_variable wake;
    std::condition_variable done;
    std::vector<std::thread> workers;
    std::shared_ptr<Job> job;
    // Written under `mutex`, read without it by spinning workers.
    std::atomic<std::uint64_t> generation{0};
    std::atomic<bool> stopping{false};
    int sleepers = 0;            // workers blocked on `wake` (a notify is needed only then)
    bool callerWaiting = false;  // the caller blocked on `done`

    void workerLoop()
    {
        t_isPoolWorker = true;
        std::uint64_t seen = 0;
        for (;;) {
            const auto ready = [&] {
                return stopping.load(std::memory_order_acquire) ||
                       generation.load(std::memory_order_acquire) != seen;
            };
            std::shared_ptr<Job> j;
            {
                const bool spun = spinUntil(ready);
                std::unique_lock lock(mutex);
                if (!spun) {
                    ++sleepers;
                    wake.wait(lock, ready);
                    --sleepers;
                }
                if (stopping.load(std::memory_order_relaxed))
                    return;
                seen = generation.load(std::memory_order_relaxed);
                j = job;
            }
            if (j && j->work()) {
                std::lock_guard lock(mutex);
                if (callerWaiting)
                    done.notify_all();
            }
        }
    }

    void startWorkers()
    {
        // Workers start lazily, from the thread that first needs them, so that they inherit
        // that thread's scheduling priority (the GUI's compute threads run at a lower one).
        while (static_cast<int>(workers.size()) < threads - 1)
            workers.emplace_back([this] { workerLoop(); });
    }

    void stopWorkers()
    {
        {
            std::lock_guard lock(mutex);
            stopping.store(true, std::memory_order_release);
        }
        wake.notify_all();
        for (std::thread &t : workers)
            t.join();
        workers.clear();
        std::lock_guard lock(mutex);
        stopping.store(false, std::memory_order_release);
    }
};

ThreadPool::ThreadPool(int threads) : m_state(std::make_unique<State>())
{
    m_state->threads = std::max(1, threads);
}

ThreadPool::~ThreadPool()
{
    std::lock_guard call(m_state->callMutex);
    m_state->stopWorkers();
}

ThreadPool &ThreadPool::global()
{
    static ThreadPool pool(defaultThreads());
    return pool;
}

int ThreadPool::threads() const
{
    std::lock_guard lock(m_state->mutex);
    return m_state->threads;
}

void ThreadPool::resize(int threads)
{
    threads = std::max(1, threads);
    std::lock_guard call(m_state->callMutex);
    if (threads == m_state->threads)
        return;
    m_state->stopWorkers();
    std::lock_guard lock(m_state->mutex);
    m_state->threads = threads;
}

void ThreadPool::parallelFor(std::int64_t n, const RangeFn &fn, std::int64_t grain)
{
    if (n <= 0)
        return;
    grain = std::max<std::int64_t>(1, grain);
    State &s = *m_state;
    std::unique_lock call(s.callMutex, std::defer_lock);
    if (t_isPoolWorker || t_serialDepth > 0 || n <= grain || !call.try_lock()) {
        fn(0, n);
        return;
    }
    const int threads = s.threads;
    if (threads <= 1) {
        call.unlock();
        fn(0, n);
        return;
    }
    // About four chunks per thread: enough for a slowed thread to fall behind gracefully,
    // few enough that per-chunk overhead (a BLAS call's packing, say) stays small.
    auto job = std::make_shared<Job>();
    job->fn = &fn;
    job->n = n;
    job->chunk = std::max(grain, (n + 4 * threads - 1) / (4 * threads));
    job->chunks = (n + job->chunk - 1) / job->chunk;
    bool notify = false;
    {
        std::lock_guard lock(s.mutex);
        s.startWorkers();
        s.job = job;
        s.generation.fetch_add(1, std::memory_order_release);
        notify = s.sleepers > 0;
    }
    if (notify)
        s.wake.notify_all();
    job->work();
    const auto finished = [&] {
        return job->completed.load(std::memory_order_acquire) == job->chunks;
    };
    {
        const bool spun = spinUntil(finished);
        std::unique_lock lock(s.mutex);
        if (!spun) {
            s.callerWaiting = true;
            s.done.wait(lock, finished);
            s.callerWaiting = false;
        }
        s.job.reset();
    }
    if (job->error)
        std::rethrow_exception(job->error);
}

bool onCallingThread()
{
    return !t_isPoolWorker;
}

void runSideBySide(std::int64_t n, const std::function<void(std::int64_t i)> &task,
                   const SideBySideOptions &options)
{
    std::atomic<bool> ownStop{false};
    std::atomic<bool> &stop = options.stop ? *options.stop : ownStop;
    std::atomic<std::int64_t> next{0};
    // One chunk per thread, each draining the shared queue.
    const auto drain = [&](std::int64_t, std::int64_t) {
        std::optional<ThreadPool::SerialScope> serial;
        if (options.useThreads)
            serial.emplace();
        const bool onCaller = onCallingThread();
        try {
            for (std::int64_t i; !stop.load(std::memory_order_relaxed) &&
                                 (i = next.fetch_add(1, std::memory_order_relaxed)) < n;) {
                if (onCaller && options.beforeTask)
                    options.beforeTask(i);
                task(i);
            }
        } catch (...) {
            stop.store(true, std::memory_order_relaxed);
            throw;
        }
    };
    if (n <= 0)
        return;
    ThreadPool &pool = ThreadPool::global();
    if (options.useThreads)
        pool.parallelFor(std::min<std::int64_t>(n, pool.threads()), drain, 1);
    else
        drain(0, n);
}

void runSideBySide(const std::vector<std::function<void()>> &tasks)
{
    runSideBySide(std::int64_t(tasks.size()), [&](std::int64_t i) { tasks[std::size_t(i)](); });
}

} // namespace lieq
