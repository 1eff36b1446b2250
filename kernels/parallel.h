#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <functional>

// How the kernels split work over threads. The kernels own no threads: the application installs
// its pool's parallel-for (core installs lieq::ThreadPool::global(), so one thread setting
// governs torch-free and kernel work alike); without one, everything runs on the caller.
namespace lieq::kernels {

using RangeFn = std::function<void(std::int64_t begin, std::int64_t end)>;
// Must call fn on disjoint sub-ranges covering [0, n), each at least `grain` long (except the
// last), and return when all are done.
using ParallelForFn = std::function<void(std::int64_t n, const RangeFn &fn, std::int64_t grain)>;

void setParallelFor(ParallelForFn fn); // empty: run inline
void parallelFor(std::int64_t n, const RangeFn &fn, std::int64_t grain);

// How many threads the installed parallel-for runs on, for kernels that cut their work into a
// number of parts per thread rather than into rows (the GPTQ GEMV: two halves of the inputs,
// each in ceil(threads / 2) ranges of outputs). Installed beside setParallelFor (core: the
// pool's thread count); without one, 1.
using ParallelWidthFn = int (*)();
void setParallelWidth(ParallelWidthFn fn);
int parallelWidth();

// parallelFor for a call made again and again with the same work (one weight matrix, one
// batch size): it times the call split and unsplit a few times, then keeps the faster way and
// checks the other now and then (kernels/split_chooser.h). So a GEMV too small to repay waking
// the workers, or a second thread that shares its core with another process, never makes the
// call slower than one thread, while an idle machine gets the threads. `site` and `sizeClass`
// identify the work. fn must compute the same values whatever the split (the kernels do: each
// output row is computed by one call, the same way in every sub-range).
void parallelForTimed(const void *site, int sizeClass, std::int64_t n, const RangeFn &fn,
                      std::int64_t grain);
// A parallelForTimed site for repeated work that has no stable address of its own (a fresh
// matrix on every call, as in GPTQ's blocks and RTN's rows): one per Tag type and power of two of
// each size, so calls of a similar shape share their timings.
template <typename Tag>
const void *sizeTimingSite(std::int64_t rows, std::int64_t cols = 1)
{
    static char sites[64][64];
    const auto log2Class = [](std::int64_t v) {
        return std::min<int>(63, std::bit_width(std::uint64_t(std::max<std::int64_t>(v, 0))));
    };
    return &sites[log2Class(rows)][log2Class(cols)];
}

// sizeClass (log2 of the activation rows) from which parallelForTimed splits without timing.
inline constexpr int kAlwaysSplitSizeClass = 4;

// How parallelForTimed decides: by timing (the default), or always / never split (tests and
// the benchmarks' baselines; LIEQ_SPLIT=always|never in the environment sets it at start-up).
enum class SplitPolicy { Adaptive, Always, Never };
void setSplitPolicy(SplitPolicy policy);
SplitPolicy splitPolicy();

// The policy of parallelForTimed calls made from this thread while the scope exists, over the
// process-wide one: for work whose split is chosen as a whole (core/model times whole decode
// steps on one thread against all threads, so the products inside a step follow that choice
// and their own timings are neither taken nor used). Scopes nest.
class ScopedSplitPolicy
{
public:
    explicit ScopedSplitPolicy(SplitPolicy policy);
    ~ScopedSplitPolicy();
    ScopedSplitPolicy(const ScopedSplitPolicy &) = delete;
    ScopedSplitPolicy &operator=(const ScopedSplitPolicy &) = delete;

private:
    int m_previous;
};

// Forgets every timing (setParallelFor does it too: they were taken with the old one).
void clearSplitTimings();
// Sites (weight, size class) with timings: bounded (the table is dropped when full).
std::size_t splitTimingSites();

} // namespace lieq::kernels
