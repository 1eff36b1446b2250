#pragma once

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

} // namespace lieq::kernels
