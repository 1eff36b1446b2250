#include "core/model/compute_threads.h"

#include "core/util/thread_pool.h"

#include <torch/torch.h>

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

namespace lieq {

namespace {

// OpenBLAS's run-time thread setting, looked up rather than linked: libtorch reaches BLAS
// through libblas.so.3, which may be another implementation (then there is nothing to set).
void setBlasThreads(int n)
{
    using SetThreads = void (*)(int);
    static const auto openblas =
        reinterpret_cast<SetThreads>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
    if (openblas)
        openblas(n);
}

// LIEQ_THREAD_POLICY=library restores the behaviour before issue 10 (libtorch's OpenMP and
// OpenBLAS use all threads, the pool none), so bench_threads can measure both in one run.
bool libraryPolicy()
{
    static const bool library = [] {
        const char *env = std::getenv("LIEQ_THREAD_POLICY");
        return env && std::string(env) == "library";
    }();
    return library;
}

} // namespace

void holdLibraryThreadsAtOne()
{
    if (libraryPolicy())
        return;
    static std::once_flag once;
    std::call_once(once, [] {
        torch::set_num_threads(1);
        setBlasThreads(1);
    });
}

void setComputeThreads(int threads)
{
    if (threads <= 0) {
        const char *env = std::getenv("LIEQ_THREADS");
        threads = env && std::atoi(env) > 0
                      ? std::atoi(env)
                      : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    }
    if (libraryPolicy()) {
        torch::set_num_threads(threads);
        ThreadPool::global().resize(1);
        return;
    }
    holdLibraryThreadsAtOne();
    ThreadPool::global().resize(threads);
}

int computeThreads()
{
    return libraryPolicy() ? torch::get_num_threads() : ThreadPool::global().threads();
}

} // namespace lieq
