#pragma once

#include "kernels/parallel.h"
#include "kernels/split_chooser.h"
#include "core/util/thread_pool.h"

#include <cstdint>
#include <optional>

// How many threads a decode step (one new token through the KV cache) runs on: one, or all of
// the pool's. A step reads every weight once in ~200 short matrix-vector products, each too short
// to time reliably by itself, and whether splitting them pays depends on the moment: on an idle
// machine the second core adds memory bandwidth, with another process on that core every split
// waits for it, and on a shared virtual machine the host decides. A whole step (~30 ms for a
// 0.6B model) is long enough to time, so steps are timed on one thread and on all of them,
// alternately at first (until one is clearly slower), then the faster way is kept (all threads
// only when clearly faster) and the other tried again every kRecheckSteps steps (kernels::SplitChooser, at the grain of steps). Inside a step every
// product follows the step's choice: the per-product choosers (kernels::parallelForTimed) are
// neither consulted nor fed, so a short generation does not spend its first tokens probing ~200
// of them. Results do not depend on the choice (each output row is computed the same way on any
// thread).
//
// LIEQ_DECODE_THREADS=1|all fixes the choice, =products restores the way before it (no step
// scope: each product timed split/unsplit by itself), for benchmarks; auto (the default) times.
namespace lieq {

enum class DecodeThreadPolicy { Auto, One, All, PerProduct };

// LIEQ_DECODE_THREADS (read once): "1" -> One, "all" -> All, "products" -> PerProduct,
// anything else -> Auto.
DecodeThreadPolicy decodeThreadPolicyFromEnvironment();

class DecodeThreadChooser
{
public:
    static constexpr int kProbeSteps = 3;            // timed steps each way before choosing
    static constexpr std::uint64_t kRecheckSteps = 32; // then every 32nd step the other way
    // A way that took this many times as long as the other in its first probe is dropped at
    // once (all threads with a core busy elsewhere: ~1.5x), sparing a short generation the
    // rest of its probes.
    static constexpr double kDecisiveRatio = 1.25;
    // After the probes the other way must be 5% faster to take over: with a core busy elsewhere
    // a single all-thread recheck step ran as fast as one-thread steps (its worker had slept and
    // was scheduled first), while a stretch of them ran slower.
    static constexpr double kSwitchMargin = 0.05;
    // All threads are chosen only when their steps are 10% faster than one thread's, after the
    // probes and at rechecks (back to one thread: 5% faster is enough). With a core busy
    // elsewhere the two ways came out about even (one thread 37-40 ms a step, all threads
    // 32-53 ms in single steps and 38 ms on average over a stretch), and a choice flipped by
    // that noise paid the all-thread steps' waits on the busy core; idle, all threads were
    // 1.1-1.5x faster.
    static constexpr double kAllThreadsMargin = 0.10;

    explicit DecodeThreadChooser(DecodeThreadPolicy policy = decodeThreadPolicyFromEnvironment());

    struct Step
    {
        bool allThreads = false;
        bool timed = false; // record() only uses timed steps
        kernels::SplitChooser::Choice choice;
    };

    // The next step's way, for a pool of `threads` threads (a change of it restarts the timing).
    // Under PerProduct the step has no scope of its own: the caller opens none.
    Step next(int threads);
    void record(const Step &step, double seconds);

    DecodeThreadPolicy policy() const { return m_policy; }
    // Replaces the policy and forgets the timings (tests, benchmarks).
    void setPolicy(DecodeThreadPolicy policy);
    bool probing() const { return m_chooser.probing(); }
    bool prefersAllThreads() const { return m_chooser.prefersSplit(); }
    double oneThreadSeconds() const { return m_chooser.serialSeconds(); }
    double allThreadsSeconds() const { return m_chooser.splitSeconds(); }

private:
    DecodeThreadPolicy m_policy;
    int m_threads = 0;
    kernels::SplitChooser m_chooser{kProbeSteps, kRecheckSteps, kDecisiveRatio, kSwitchMargin,
                                    kAllThreadsMargin};
};

// Runs the calling thread's work in its scope the way a Step chose: on one thread, every pool
// split runs inline and the kernels' timed products stay unsplit; on all threads, the kernels'
// timed products split (the pool still runs tiny work inline).
class DecodeStepScope
{
public:
    explicit DecodeStepScope(bool allThreads);

private:
    std::optional<ThreadPool::SerialScope> m_serial;
    kernels::ScopedSplitPolicy m_policy;
};

} // namespace lieq
