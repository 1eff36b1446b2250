#include "kernels/parallel.h"

#include "kernels/split_chooser.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>

namespace lieq::kernels {

namespace {

std::mutex g_mutex;
std::shared_ptr<const ParallelForFn> g_parallelFor;
// LIEQ_SPLIT=never|always in the environment fixes the policy from the start (to tell the
// kernels' splitting apart from other threading costs in a whole-model run).
SplitPolicy initialPolicy()
{
    const char *env = std::getenv("LIEQ_SPLIT");
    if (env && std::strcmp(env, "never") == 0)
        return SplitPolicy::Never;
    if (env && std::strcmp(env, "always") == 0)
        return SplitPolicy::Always;
    return SplitPolicy::Adaptive;
}

std::atomic<SplitPolicy> g_policy{initialPolicy()};
std::atomic<ParallelWidthFn> g_width{nullptr};
thread_local int t_scopedPolicy = -1; // a ScopedSplitPolicy's, or -1

SplitPolicy effectivePolicy()
{
    return t_scopedPolicy >= 0 ? static_cast<SplitPolicy>(t_scopedPolicy)
                               : g_policy.load(std::memory_order_relaxed);
}

// One chooser per (site, size class). A few hundred in a model (its linears times the batch
// sizes seen); the table is bounded because weights come and go (a site is only a cache key:
// a new weight at a freed one's address inherits its timings until the next recheck).
constexpr std::size_t kMaxSites = 4096;
std::mutex g_sitesMutex; // constant-initialised: usable from other files' static initialisers

// Built on first use, for the same reason (setParallelFor is called from static initialisers).
std::map<std::pair<const void *, int>, SplitChooser> &sites()
{
    static std::map<std::pair<const void *, int>, SplitChooser> table;
    return table;
}

std::shared_ptr<const ParallelForFn> currentParallelFor()
{
    std::lock_guard lock(g_mutex);
    return g_parallelFor;
}

double now()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

} // namespace

void setParallelFor(ParallelForFn fn)
{
    {
        std::lock_guard lock(g_mutex);
        g_parallelFor = fn ? std::make_shared<const ParallelForFn>(std::move(fn)) : nullptr;
    }
    clearSplitTimings(); // timed with the old parallel-for
}

void setParallelWidth(ParallelWidthFn fn)
{
    g_width.store(fn);
}

int parallelWidth()
{
    const ParallelWidthFn fn = g_width.load(std::memory_order_relaxed);
    return fn ? std::max(1, fn()) : 1;
}

void setSplitPolicy(SplitPolicy policy)
{
    g_policy.store(policy);
}

SplitPolicy splitPolicy()
{
    return g_policy.load();
}

ScopedSplitPolicy::ScopedSplitPolicy(SplitPolicy policy) : m_previous(t_scopedPolicy)
{
    t_scopedPolicy = static_cast<int>(policy);
}

ScopedSplitPolicy::~ScopedSplitPolicy()
{
    t_scopedPolicy = m_previous;
}

void clearSplitTimings()
{
    std::lock_guard lock(g_sitesMutex);
    sites().clear();
}

std::size_t splitTimingSites()
{
    std::lock_guard lock(g_sitesMutex);
    return sites().size();
}

void parallelFor(std::int64_t n, const RangeFn &fn, std::int64_t grain)
{
    if (n <= 0)
        return;
    const std::shared_ptr<const ParallelForFn> p = currentParallelFor();
    if (p && n > grain)
        (*p)(n, fn, grain);
    else
        fn(0, n);
}

void parallelForTimed(const void *site, int sizeClass, std::int64_t n, const RangeFn &fn,
                      std::int64_t grain)
{
    if (n <= 0)
        return;
    const std::shared_ptr<const ParallelForFn> p = currentParallelFor();
    const SplitPolicy policy = effectivePolicy();
    if (!p || n <= grain || policy == SplitPolicy::Never) {
        fn(0, n);
        return;
    }
    // Prefill-sized products (16 or more activation rows) always split: each chunk carries far
    // more work than waking a thread costs, and the pool's dynamic chunks absorb a busy core.
    // Timing them would also run half of a one-shot weight's few calls on one thread (a
    // pipeline's calibration forward through a freshly quantized layer).
    if (policy == SplitPolicy::Always || sizeClass >= kAlwaysSplitSizeClass) {
        (*p)(n, fn, grain);
        return;
    }
    const std::pair<const void *, int> key{site, sizeClass};
    SplitChooser::Choice choice;
    {
        std::lock_guard lock(g_sitesMutex);
        auto &table = sites();
        if (table.size() >= kMaxSites && !table.count(key))
            table.clear();
        choice = table[key].next();
    }
    const double t0 = now();
    if (choice.split)
        (*p)(n, fn, grain);
    else
        fn(0, n);
    const double seconds = now() - t0;
    std::lock_guard lock(g_sitesMutex);
    // (Cleared meanwhile by another thread: a fresh chooser takes this as its warm-up call.)
    sites()[key].record(choice, seconds);
}

} // namespace lieq::kernels
