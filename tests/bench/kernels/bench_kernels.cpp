// GEMV of every weight type on the shapes that matter (4096x4096, 11008x4096 and 4096x11008
// as in 7B models, and each projection of Qwen3-0.6B), against two things measured in the same
// run: the memory read bandwidth (GEMV reads each weight byte once, so packed bytes per second
// over the read bandwidth is how close a kernel is to its ceiling) and fp32 GEMV (torch::mv as
// the project holds libtorch, at one thread, and the runtime's dense linear split over the
// engine's pool). Weights are cycled through enough copies to come from memory, not the cache.
//
//   bench_kernels [--threads N] [--quick]
#include "core/model/compute_threads.h"
#include "core/model/linear_op_impl.h"
#include "core/util/thread_pool.h"
#include "kernels/gemv_bench.h"
#include "kernels/parallel.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

using namespace lieq;

namespace {

std::string loadAverage()
{
    std::ifstream f("/proc/loadavg");
    std::string a, b, c;
    f >> a >> b >> c;
    return a + " " + b + " " + c;
}

double secondsOf(const std::function<void()> &fn, int reps)
{
    double best = 1e30;
    for (int r = 0; r < reps; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        fn();
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return best;
}

struct Fp32Baseline
{
    double torchMv = 0;   // seconds
    double denseLinear = 0;
};

// fp32 weights cycled like the packed ones (256 MiB in total).
Fp32Baseline fp32Gemv(std::int64_t rows, std::int64_t cols)
{
    torch::NoGradGuard ng;
    const std::int64_t copies = std::max<std::int64_t>(1, (std::int64_t(256) << 20) / (rows * cols * 4));
    std::vector<torch::Tensor> w;
    std::vector<std::unique_ptr<DenseLinear>> ops;
    for (std::int64_t i = 0; i < copies; ++i) {
        w.push_back(torch::randn({rows, cols}));
        ops.push_back(std::make_unique<DenseLinear>(w.back()));
    }
    const torch::Tensor x = torch::randn({cols});
    const torch::Tensor x2 = x.reshape({1, cols});
    std::size_t i = 0;
    const int reps = int(std::max<std::int64_t>(6, 3 * copies));
    Fp32Baseline b;
    b.torchMv = secondsOf([&] { torch::mv(w[i++ % w.size()], x); }, reps);
    b.denseLinear = secondsOf([&] { ops[i++ % ops.size()]->forward(x2); }, reps);
    return b;
}

} // namespace

int main(int argc, char **argv)
{
    int threads = 0;
    bool quick = false;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--quick"))
            quick = true;
    }
    setComputeThreads(threads);
    kernels::setParallelFor([](std::int64_t n, const kernels::RangeFn &fn, std::int64_t grain) {
        ThreadPool::global().parallelFor(n, fn, grain);
    });
    std::printf("bench_kernels: %d compute threads, torch %d thread(s), load %s\n",
                computeThreads(), torch::get_num_threads(), loadAverage().c_str());
    const double bw = kernels::measureReadBandwidth();
    std::printf("memory read bandwidth %.1f GB/s (AVX2 read of 512 MiB, %d threads)\n\n", bw / 1e9,
                computeThreads());

    struct Shape { const char *name; std::int64_t rows, cols; };
    std::vector<Shape> shapes{{"4096x4096", 4096, 4096}, {"11008x4096 (up)", 11008, 4096},
                              {"4096x11008 (down)", 4096, 11008}, {"0.6B q 2048x1024", 2048, 1024},
                              {"0.6B k/v 1024x1024", 1024, 1024}, {"0.6B o 1024x2048", 1024, 2048},
                              {"0.6B gate/up 3072x1024", 3072, 1024}, {"0.6B down 1024x3072", 1024, 3072}};
    if (quick)
        shapes.resize(1);
    for (const Shape &s : shapes) {
        const Fp32Baseline base = fp32Gemv(s.rows, s.cols);
        const double fp32 = std::min(base.torchMv, base.denseLinear);
        std::printf("%s: fp32 torch::mv %.3f ms, dense linear (pool) %.3f ms  [load %s]\n", s.name,
                    base.torchMv * 1e3, base.denseLinear * 1e3, loadAverage().c_str());
        std::printf("  %-6s %10s %10s %8s %11s\n", "type", "ms", "GB/s", "% of BW", "x fp32 best");
        for (kernels::QuantType t : kernels::benchTypes()) {
            const auto r = kernels::benchGemv(t, s.rows, s.cols, quick ? 0.1 : 0.3);
            const double gbps = double(r.weightBytes) / r.seconds;
            std::printf("  %-6s %10.3f %10.1f %7.0f%% %10.1fx\n", kernels::typeTraits(t).name,
                        r.seconds * 1e3, gbps / 1e9, 100.0 * gbps / bw, fp32 / r.seconds);
        }
    }
    std::printf("\nload at the end: %s\n", loadAverage().c_str());
    return 0;
}
