#pragma once
// Shared bits of the runtime benchmarks (header-only, bench executables only).

#include <torch/torch.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

namespace lieq::bench {

inline double secondsSince(std::chrono::steady_clock::time_point t0)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Best-of-N fp32 GEMM rate through the same call the runtime's dense linear uses
// (x [m, k] times W^T for W [n, k]), in GFLOP/s: the machine's baseline for this run.
inline double sgemmGflops(std::int64_t m, std::int64_t k, std::int64_t n, int reps = 5)
{
    torch::NoGradGuard noGrad;
    const torch::Tensor x = torch::randn({m, k});
    const torch::Tensor w = torch::randn({n, k});
    torch::Tensor y = torch::nn::functional::linear(x, w); // warm-up
    double best = 1e30;
    for (int r = 0; r < reps; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        y = torch::nn::functional::linear(x, w);
        best = std::min(best, secondsSince(t0));
    }
    return 2.0 * double(m) * double(k) * double(n) / best / 1e9;
}

// A scratch folder for generated checkpoints ($LIEQ_BENCH_SCRATCH or the temp dir), removed
// by the destructor even when the benchmark throws.
struct ScratchDir
{
    std::filesystem::path path;
    explicit ScratchDir(const std::string &name)
    {
        const char *env = std::getenv("LIEQ_BENCH_SCRATCH");
        const std::filesystem::path base = env ? env : std::filesystem::temp_directory_path();
        path = base / (name + "-" + std::to_string(std::random_device{}()));
        std::filesystem::create_directories(path);
    }
    ~ScratchDir()
    {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

inline double gib(std::uint64_t bytes) { return double(bytes) / double(1ull << 30); }

} // namespace lieq::bench
