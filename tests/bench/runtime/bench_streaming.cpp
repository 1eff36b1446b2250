// Layer streaming on a generated Qwen3-4B-shaped bf16 checkpoint (~8 GB, written to a scratch
// folder and removed after): a few windows evaluated with peak RSS (aim < 10 GB).
//   bench_streaming [--seqlen 512] [--windows 2] [--batch 2] [--layers 36]
#include "core/model/decoder_impl.h"
#include "core/model/model.h"
#include "tests/bench/qwen3_shape.h"
#include "tests/bench/runtime/bench_common.h"
#include "tests/bench/runtime/large_checkpoint.h"

#include <cmath>
#include <cstdio>
#include <cstring>

using namespace lieq;

int main(int argc, char **argv)
{
    std::int64_t seqlen = 512, windows = 2, batch = 2, layers = 36;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--seqlen"))
            seqlen = std::atoll(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--windows"))
            windows = std::atoll(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--batch"))
            batch = std::atoll(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--layers"))
            layers = std::atoll(argv[i + 1]);
    }
    setComputeThreads();
    const test::TinyModelSpec spec = bench::qwen3ShapeSpec(bench::Qwen3Shape::B4, layers);

    try {
        bench::ScratchDir scratch("lieq-bench-qwen3-4b");
        auto t0 = std::chrono::steady_clock::now();
        const std::uint64_t bytes = bench::writeLargeCheckpoint(scratch.path.string(), spec);
        std::printf("checkpoint: Qwen3-4B shape, %lld layers, bf16, %.2f GiB written in %.1f s\n",
                    static_cast<long long>(layers), bench::gib(bytes), bench::secondsSince(t0));
        std::printf("threads: %d; RSS after writing: %.2f GiB\n", computeThreads(),
                    bench::gib(bench::currentRssBytes()));

        // Automatic budget (40% of RAM): the 16 GB of fp32 weights cannot stay resident.
        auto model = Model::load(scratch.path.string(), {.device = "cpu"});
        std::printf("model: %s, fp32 weights would need %.2f GiB\n",
                    model->isResident() ? "resident" : "streamed",
                    bench::gib(static_cast<std::uint64_t>(model->decoder().fp32WeightBytes())));
        std::vector<std::int32_t> ids(static_cast<std::size_t>(seqlen * windows));
        for (std::size_t i = 0; i < ids.size(); ++i)
            ids[i] = static_cast<std::int32_t>((i * 7919 + 13) % spec.vocabSize);
        double nll = 0;
        t0 = std::chrono::steady_clock::now();
        for (std::int64_t w = 0; w < windows; w += batch) {
            const std::int64_t n = std::min(batch, windows - w);
            const std::vector<std::int32_t> part(ids.begin() + w * seqlen,
                                                 ids.begin() + (w + n) * seqlen);
            for (double v : model->windowNll(part, seqlen))
                nll += v;
        }
        const double secs = bench::secondsSince(t0);
        std::printf("evaluated %lld windows x %lld tokens (batch %lld) in %.1f s = %.0f tok/s; "
                    "mean NLL %.3f\n",
                    static_cast<long long>(windows), static_cast<long long>(seqlen),
                    static_cast<long long>(batch), secs, double(windows * seqlen) / secs,
                    nll / double(windows * (seqlen - 1)));
        const double peak = bench::gib(bench::peakRssBytes());
        std::printf("peak RSS: %.2f GiB (aim < 10 GB = 9.31 GiB): %s\n", peak,
                    peak < 9.31 ? "within" : "ABOVE");
        if (!std::isfinite(nll)) std::printf("warning: non-finite NLL\n");
    } catch (const std::exception &e) {
        std::fprintf(stderr, "bench_streaming: %s\n", e.what());
        return 1;
    }
    return 0;
}
