#include "kernels/gemv_bench.h"

#include "kernels/cpu/x86/read_avx2.h"
#include "kernels/cpu_features.h"
#include "kernels/gptq_pack.h"
#include "kernels/matmul.h"
#include "kernels/parallel.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <random>

namespace lieq::kernels {

namespace {

double now()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// One copy of a benchmark matrix: storage plus the view on it.
struct BenchMatrix
{
    std::vector<std::uint8_t> data;
    std::vector<std::int32_t> qweight, qzeros;
    std::vector<fp16_t> scales;
    WeightView view;
};

BenchMatrix makeMatrix(QuantType type, std::int64_t rows, std::int64_t cols, std::mt19937 &rng)
{
    BenchMatrix m;
    const TypeTraits &t = typeTraits(type);
    if (t.gptqColumns) {
        const GptqShape s{rows, cols, t.bits, 128};
        m.qweight.resize(std::size_t(s.qweightWords()));
        m.qzeros.resize(std::size_t(s.qzerosWords()));
        m.scales.assign(std::size_t(s.groups() * rows), fp32ToFp16(0.01f));
        for (auto &w : m.qweight)
            w = std::int32_t(rng());
        for (auto &w : m.qzeros)
            w = std::int32_t(rng());
        m.view = gptqView({s, m.qweight.data(), m.qzeros.data(), m.scales.data(), nullptr});
        return m;
    }
    // Real blocks: quantize a few random rows, then repeat them.
    const std::int64_t rb = rowBytes(type, cols), seedRows = std::min<std::int64_t>(rows, 16);
    std::normal_distribution<float> n(0.0f, 0.02f);
    std::vector<float> x(static_cast<std::size_t>(cols));
    m.data.resize(std::size_t(rb * rows));
    for (std::int64_t r = 0; r < seedRows; ++r) {
        for (float &v : x)
            v = n(rng);
        t.fromFloatRef(x.data(), m.data.data() + r * rb, cols);
    }
    for (std::int64_t r = seedRows; r < rows; ++r)
        std::memcpy(m.data.data() + r * rb, m.data.data() + (r % seedRows) * rb, std::size_t(rb));
    m.view = {type, rows, cols, m.data.data(), {}};
    return m;
}

} // namespace

double measureReadBandwidth(std::int64_t bytes, int reps)
{
    // Timed in slices of 8 MiB (about one GEMV of a 4096x4096 matrix at 4 bits) taken in turn
    // from the whole buffer, so that they come from memory: on a shared machine a read of
    // hundreds of MiB is always interrupted by other processes, while the best of many short
    // GEMVs is not, and the two best cases must be alike for their ratio to mean anything.
    constexpr std::int64_t kSlice = std::int64_t(8) << 20;
    bytes = std::max(kSlice, bytes / kSlice * kSlice);
    std::vector<std::uint8_t> buf(static_cast<std::size_t>(bytes));
    for (std::int64_t i = 0; i < bytes; i += 64)
        buf[std::size_t(i)] = std::uint8_t(i);
    std::atomic<std::uint64_t> sink{0};
    double best = 1e30;
    for (int r = 0; r < reps; ++r)
        for (std::int64_t off = 0; off < bytes; off += kSlice) {
            const double t0 = now();
            parallelFor(kSlice / 4096, [&](std::int64_t c0, std::int64_t c1) {
                const std::uint8_t *p = buf.data() + off + c0 * 4096;
                const std::int64_t n = (c1 - c0) * 4096;
                std::uint64_t s = 0;
                if (cpuFeatures().x86Avx2()) {
                    s = x86::readAvx2(p, n);
                } else {
                    const auto *w = reinterpret_cast<const std::uint64_t *>(p);
                    for (std::int64_t i = 0; i < n / 8; ++i)
                        s ^= w[i];
                }
                sink.fetch_xor(s, std::memory_order_relaxed);
            }, 64);
            best = std::min(best, now() - t0);
        }
    return double(kSlice) / best;
}

GemvBenchResult benchGemv(QuantType type, std::int64_t rows, std::int64_t cols, double minSeconds,
                          std::int64_t cycleBytes, int warmupCalls)
{
    std::mt19937 rng(unsigned(rows * 31 + cols));
    std::vector<BenchMatrix> copies;
    copies.push_back(makeMatrix(type, rows, cols, rng));
    const std::int64_t bytes = weightBytes(copies[0].view);
    const std::int64_t n = std::max<std::int64_t>(1, std::min<std::int64_t>(64, cycleBytes / std::max<std::int64_t>(1, bytes)));
    while (std::int64_t(copies.size()) < n) {
        BenchMatrix c = copies[0];
        if (typeTraits(type).gptqColumns)
            c.view = gptqView({c.view.gptq.shape, c.qweight.data(), c.qzeros.data(), c.scales.data(), nullptr});
        else
            c.view.data = c.data.data();
        copies.push_back(std::move(c));
    }
    std::vector<float> x(static_cast<std::size_t>(cols)), y(static_cast<std::size_t>(rows));
    std::normal_distribution<float> nd(0.0f, 1.0f);
    for (float &v : x)
        v = nd(rng);
    for (int w = 0; w < warmupCalls; ++w) // page in every copy (and settle the split choice)
        for (const BenchMatrix &c : copies)
            matmul(c.view, x.data(), 1, y.data());
    GemvBenchResult r{type, rows, cols, bytes, 1e30};
    const double start = now();
    std::size_t i = 0;
    int runs = 0;
    while (runs < 3 * int(copies.size()) || now() - start < minSeconds) {
        const double t0 = now();
        matmul(copies[i].view, x.data(), 1, y.data());
        r.seconds = std::min(r.seconds, now() - t0);
        i = (i + 1) % copies.size();
        ++runs;
        if (now() - start > 20 * minSeconds)
            break;
    }
    r.meanSeconds = (now() - start) / runs;
    return r;
}

const std::vector<QuantType> &benchTypes()
{
    static const std::vector<QuantType> types{
        QuantType::Gptq2, QuantType::Gptq3, QuantType::Gptq4, QuantType::Gptq8,
        QuantType::Q2_K,  QuantType::Q3_K,  QuantType::Q4_K,  QuantType::Q6_K,
        QuantType::Q4_0,  QuantType::Q8_0,  QuantType::F16,   QuantType::BF16, QuantType::F32};
    return types;
}

} // namespace lieq::kernels
