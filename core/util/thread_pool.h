#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace lieq {

// The engine's one pool of compute threads. libtorch's OpenMP teams and OpenBLAS's thread
// server are both held at one thread (see core/model/thread_settings.h): on a shared or small
// machine their spinning waiters and static work splits made two threads up to 11x slower than
// one. Work is split here instead, coarsely, with dynamic scheduling (a thread that is slowed
// down by another process simply takes fewer chunks). Waiting threads spin for a fraction of a
// millisecond before they sleep, so back-to-back splits (decode's ~200 products a token) do not
// each pay a sleeping thread's wake-up.
//
// No torch and no Qt: kernels/ may use it too.
class ThreadPool
{
public:
    using RangeFn = std::function<void(std::int64_t begin, std::int64_t end)>;

    // `threads` counts the calling thread: 1 runs everything inline.
    explicit ThreadPool(int threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool &) = delete;
    ThreadPool &operator=(const ThreadPool &) = delete;

    // The process-wide pool: $LIEQ_THREADS threads, else one per hardware thread, until
    // lieq::setComputeThreads sizes it.
    static ThreadPool &global();

    int threads() const;
    // Waits for a running parallelFor, then changes the thread count (>= 1).
    void resize(int threads);

    // Calls fn on consecutive sub-ranges of [0, n), each at least `grain` long (the last may be
    // shorter), on the workers and the caller; returns when all are done. The first exception a
    // chunk throws is rethrown here (remaining chunks are skipped). Runs inline when the pool
    // has one thread, n <= grain, the caller is itself a pool worker (nested use), or another
    // thread is using the pool at the moment, or a SerialScope is open on the calling thread.
    void parallelFor(std::int64_t n, const RangeFn &fn, std::int64_t grain = 1);

    // While one exists, every parallelFor called from this thread (on any pool) runs inline:
    // for work that has measured itself faster on one thread (decode steps, core/model).
    class SerialScope
    {
    public:
        SerialScope();
        ~SerialScope();
        SerialScope(const SerialScope &) = delete;
        SerialScope &operator=(const SerialScope &) = delete;
        static bool active(); // on the calling thread
    };

private:
    struct State;
    std::unique_ptr<State> m_state;
};

// How runSideBySide runs its tasks, beyond the defaults.
struct SideBySideOptions
{
    // Called on the calling thread only, each time it has taken task i and before it runs it
    // (every task below i has been taken by then, by some thread): progress and cancellation
    // live here. What it throws stops the run like a failing task.
    std::function<void(std::int64_t i)> beforeTask;
    // Shared with the tasks: set when a task or beforeTask throws, and no task starts once it
    // is set; long tasks may poll it to stop early. Null: an internal flag.
    std::atomic<bool> *stop = nullptr;
    // false: a plain loop, every task in order on the calling thread, its own parallelFor
    // calls split as usual (for callers whose work is too small or not resident to share).
    bool useThreads = true;
};

// Runs n independent tasks, task(0) .. task(n-1), side by side on the global pool's threads,
// each task on one thread (every parallelFor inside it runs inline), taken in index order by
// whichever thread is free: for work made of several mid-sized pieces that scale worse split
// one by one (list the largest first). A thread slowed by another process simply takes fewer
// tasks. Returns when all are done; the first exception is rethrown.
void runSideBySide(std::int64_t n, const std::function<void(std::int64_t i)> &task,
                   const SideBySideOptions &options = {});
void runSideBySide(const std::vector<std::function<void()>> &tasks);

// False on a pool's worker threads, true on every other thread: inside a parallelFor chunk or a
// runSideBySide task it tells the calling thread's share from the workers'. Progress callbacks
// (which may belong to a GUI) and cancellation checks belong on the calling thread; the workers
// poll a stop flag. A run nested in a worker's task runs on that worker, so it is false there too.
bool onCallingThread();

// Convenience for the global pool.
inline void parallelFor(std::int64_t n, const ThreadPool::RangeFn &fn, std::int64_t grain = 1)
{
    ThreadPool::global().parallelFor(n, fn, grain);
}

} // namespace lieq
