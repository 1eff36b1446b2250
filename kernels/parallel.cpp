#include "kernels/parallel.h"

#include <memory>
#include <mutex>

namespace lieq::kernels {

namespace {

std::mutex g_mutex;
std::shared_ptr<const ParallelForFn> g_parallelFor;

} // namespace

void setParallelFor(ParallelForFn fn)
{
    std::lock_guard lock(g_mutex);
    g_parallelFor = fn ? std::make_shared<const ParallelForFn>(std::move(fn)) : nullptr;
}

void parallelFor(std::int64_t n, const RangeFn &fn, std::int64_t grain)
{
    if (n <= 0)
        return;
    std::shared_ptr<const ParallelForFn> p;
    {
        std::lock_guard lock(g_mutex);
        p = g_parallelFor;
    }
    if (p && n > grain)
        (*p)(n, fn, grain);
    else
        fn(0, n);
}

} // namespace lieq::kernels
