// GEMV of every weight type on the shapes that matter (4096x4096, 11008x4096 and 4096x11008
// as in 7B models, and each projection of Qwen3-0.6B), against two things measured in the same
// run: the memory read bandwidth (GEMV reads each weight byte once, so packed bytes per second
// over the read bandwidth is how close a kernel is to its ceiling) and fp32 GEMV (torch::mv as
// the project holds libtorch, at one thread, and the runtime's dense linear split over the
// engine's pool). Weights are cycled through enough copies to come from memory, not the cache.
// --split adds the threads check: decode GEMVs at one thread against two threads always split
// and two threads split as kernels::parallelForTimed decides (the default), mean time per call,
// on the machine as it is and with one core kept busy by a spinner pinned to it.
//
// --types and --shapes keep only the listed weight types (names as in the table) and shapes
// (numbers in table order, from 1; either skips the fp32 baseline); --hot uses one copy of each matrix, so that a shape that
// fits the cache measures the kernel's own speed (instruction throughput, not memory).
// Earlier variants of some kernels stay selectable for a baseline in the same run (the same bits
// either way): LIEQ_Q40_OLD=1 (Q4_0 rows as neighbours), LIEQ_Q3K_OLD=1 (Q3_K in 256-bit
// registers), LIEQ_GPTQ_YMM=1 (GPTQ 2/4-bit GEMV in 256-bit registers); the last two matter
// only to the VNNI build. Interleave runs with and without them.
//
//   bench_kernels [--threads N] [--quick] [--types t,t] [--shapes i,i] [--hot] [--split | --split-only]
#include "core/model/compute_threads.h"
#include "core/model/linear_op_impl.h"
#include "core/util/thread_pool.h"
#include "kernels/gemv_bench.h"
#include "kernels/parallel.h"
#include "kernels/split_chooser.h"
#include "tests/bench/kernels/busy_core.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
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

// Threads 1 vs 2 on decode GEMVs: the kernels' threading must never be slower than one thread.
void splitCheck(bool quick)
{
    if (computeThreads() < 2) {
        std::printf("\nthreads check skipped: it needs at least 2 compute threads\n");
        return;
    }
    struct Shape { const char *name; std::int64_t rows, cols; };
    const std::vector<Shape> shapes{{"0.6B k/v 1024x1024", 1024, 1024},
                                    {"0.6B gate/up 3072x1024", 3072, 1024},
                                    {"4096x4096", 4096, 4096}};
    const std::vector<kernels::QuantType> types{kernels::QuantType::Gptq4, kernels::QuantType::Q4_K,
                                                kernels::QuantType::Gptq2};
    const kernels::SplitPolicy policies[] = {kernels::SplitPolicy::Never, kernels::SplitPolicy::Always,
                                             kernels::SplitPolicy::Adaptive};
    const kernels::SplitPolicy before = kernels::splitPolicy();
    const int warmup = 1 + 2 * kernels::SplitChooser::kProbeRuns, reps = 2;
    std::printf("\nthreads check (%d threads): mean ms per GEMV, interleaved, %d rounds each\n",
                computeThreads(), reps);
    std::printf("  %-24s %-6s %-5s %9s %9s %6s %9s %6s   %s\n", "shape", "type", "busy", "1 thread",
                "2 always", "x", "2 adapt", "x", "load");
    for (const bool busy : {false, true}) {
        std::unique_ptr<bench::BusyCore> spinner;
        if (busy)
            spinner = std::make_unique<bench::BusyCore>();
        for (const Shape &s : shapes)
            for (kernels::QuantType t : types) {
                double mean[3] = {0, 0, 0};
                for (int r = 0; r < reps; ++r)
                    for (int p = 0; p < 3; ++p) {
                        kernels::setSplitPolicy(policies[p]);
                        kernels::clearSplitTimings();
                        mean[p] += kernels::benchGemv(t, s.rows, s.cols, quick ? 0.1 : 0.3,
                                                      std::int64_t(256) << 20, warmup).meanSeconds / reps;
                    }
                std::printf("  %-24s %-6s %-5s %9.3f %9.3f %5.2fx %9.3f %5.2fx   %s\n", s.name,
                            kernels::typeTraits(t).name, busy ? "cpu" : "no", mean[0] * 1e3,
                            mean[1] * 1e3, mean[0] / mean[1], mean[2] * 1e3, mean[0] / mean[2],
                            loadAverage().c_str());
                if (busy)
                    std::fflush(stdout);
            }
        if (busy)
            std::printf("  (busy: a spinner pinned to cpu %d)\n", spinner->cpu());
    }
    kernels::setSplitPolicy(before);
    std::printf("  x = speed-up over 1 thread (above 1: faster)\n");
}

} // namespace

int main(int argc, char **argv)
{
    int threads = 0;
    bool quick = false, split = false, splitOnly = false, hot = false;
    std::string typeList, shapeList;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--quick"))
            quick = true;
        else if (!std::strcmp(argv[i], "--split"))
            split = true;
        else if (!std::strcmp(argv[i], "--split-only"))
            split = splitOnly = true;
        else if (!std::strcmp(argv[i], "--types") && i + 1 < argc)
            typeList = "," + std::string(argv[++i]) + ",";
        else if (!std::strcmp(argv[i], "--shapes") && i + 1 < argc)
            shapeList = "," + std::string(argv[++i]) + ",";
        else if (!std::strcmp(argv[i], "--hot"))
            hot = true;
        else { // --help, or an option it does not know: usage, and no benchmark started by mistake
            std::fprintf(stderr, "usage: bench_kernels [--threads N] [--quick] [--types t,t] [--shapes i,i] "
                                 "[--hot] [--split | --split-only]\n");
            return std::strcmp(argv[i], "--help") == 0 ? 0 : 2;
        }
    }
    setComputeThreads(threads);
    kernels::setParallelFor([](std::int64_t n, const kernels::RangeFn &fn, std::int64_t grain) {
        ThreadPool::global().parallelFor(n, fn, grain);
    });
    std::printf("bench_kernels: %d compute threads, torch %d thread(s), load %s\n",
                computeThreads(), torch::get_num_threads(), loadAverage().c_str());
    if (splitOnly) {
        splitCheck(quick);
        std::printf("\nload at the end: %s\n", loadAverage().c_str());
        return 0;
    }
    struct Shape { const char *name; std::int64_t rows, cols; };
    std::vector<Shape> shapes{{"4096x4096", 4096, 4096}, {"11008x4096 (up)", 11008, 4096},
                              {"4096x11008 (down)", 4096, 11008}, {"0.6B q 2048x1024", 2048, 1024},
                              {"0.6B k/v 1024x1024", 1024, 1024}, {"0.6B o 1024x2048", 1024, 2048},
                              {"0.6B gate/up 3072x1024", 3072, 1024}, {"0.6B down 1024x3072", 1024, 3072}};
    if (quick)
        shapes.resize(1);
    const auto listed = [](const std::string &list, const std::string &item) {
        return list.empty() || list.find("," + item + ",") != std::string::npos;
    };
    std::vector<Shape> kept;
    for (std::size_t i = 0; i < shapes.size(); ++i)
        if (listed(shapeList, std::to_string(i + 1)))
            kept.push_back(shapes[i]);
    shapes = kept;
    // The read bandwidth is measured again before every shape (the machine's load changes; a
    // fraction against a figure taken at the same moment means more than one from the start).
    double bestBw = 0;
    for (const Shape &s : shapes) {
        // Best of 128 reads of 8 MiB from memory: best cases both, like the GEMV times below.
        const double bw = kernels::measureReadBandwidth(std::int64_t(256) << 20, 4);
        bestBw = std::max(bestBw, bw);
        // (A filtered or --hot run skips the fp32 baseline: its x columns then read 0.)
        const Fp32Baseline base = hot || !typeList.empty() ? Fp32Baseline{} : fp32Gemv(s.rows, s.cols);
        const double fp32 = std::min(base.torchMv, base.denseLinear);
        std::printf("%s: read bandwidth %.1f GB/s (AVX2 read, %d threads), fp32 torch::mv "
                    "%.3f ms, dense linear (pool) %.3f ms  [load %s]\n",
                    s.name, bw / 1e9, computeThreads(), base.torchMv * 1e3, base.denseLinear * 1e3,
                    loadAverage().c_str());
        std::printf("  %-6s %10s %10s %8s %8s %11s\n", "type", "ms", "GB/s", "% of BW", "x mv",
                    "x fp32 best");
        for (kernels::QuantType t : kernels::benchTypes()) {
            if (!listed(typeList, kernels::typeTraits(t).name))
                continue;
            const auto r = kernels::benchGemv(t, s.rows, s.cols, quick ? 0.1 : 0.3, hot ? 1 : std::int64_t(256) << 20);
            const double gbps = double(r.weightBytes) / r.seconds;
            std::printf("  %-6s %10.3f %10.1f %7.0f%% %7.1fx %10.1fx\n", kernels::typeTraits(t).name,
                        r.seconds * 1e3, gbps / 1e9, 100.0 * gbps / bw, base.torchMv / r.seconds,
                        fp32 / r.seconds);
        }
        std::fflush(stdout);
    }
    std::printf("\nhighest read bandwidth of the run: %.1f GB/s\n", bestBw / 1e9);
    if (split)
        splitCheck(quick);
    std::printf("\nload at the end: %s\n", loadAverage().c_str());
    return 0;
}
