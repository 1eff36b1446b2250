// Prefill throughput on a generated Qwen3-0.6B-shaped bf16 checkpoint, as a fraction of the
// machine's fp32 sgemm rate measured in the same run; plus peak RSS. Prints figures only.
//   bench_prefill [--seqlen 512] [--batch 2] [--layers 28] [--reps 2]
#include "core/model/decoder_impl.h"
#include "core/model/model.h"
#include "tests/bench/qwen3_shape.h"
#include "tests/bench/runtime/bench_common.h"
#include "tests/bench/runtime/large_checkpoint.h"

#include <cstdio>
#include <cstring>

using namespace lieq;

int main(int argc, char **argv)
{
    std::int64_t seqlen = 512, batch = 2, layers = 28;
    int reps = 2;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--seqlen"))
            seqlen = std::atoll(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--batch"))
            batch = std::atoll(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--layers"))
            layers = std::atoll(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--reps"))
            reps = std::atoi(argv[i + 1]);
    }
    setComputeThreads();
    const test::TinyModelSpec spec = bench::qwen3ShapeSpec(bench::Qwen3Shape::B0_6, layers);

    try {
        bench::ScratchDir scratch("lieq-bench-qwen3-0.6b");
        auto t0 = std::chrono::steady_clock::now();
        const std::uint64_t bytes = bench::writeLargeCheckpoint(scratch.path.string(), spec);
        std::printf("checkpoint: Qwen3-0.6B shape, %lld layers, bf16, %.2f GiB written in %.1f s\n",
                    static_cast<long long>(layers), bench::gib(bytes), bench::secondsSince(t0));

        const std::int64_t tokens = seqlen * batch;
        const double sgemm = bench::sgemmGflops(tokens, 1024, 3072);
        std::printf("threads: %d\nsgemm baseline (%lld x 1024 x 3072, fp32): %.1f GFLOP/s\n",
                    computeThreads(), static_cast<long long>(tokens), sgemm);

        t0 = std::chrono::steady_clock::now();
        auto model = Model::load(scratch.path.string(), {.device = "cpu"});
        std::vector<std::int32_t> ids(static_cast<std::size_t>(tokens));
        for (std::size_t i = 0; i < ids.size(); ++i)
            ids[i] = static_cast<std::int32_t>((i * 7919 + 13) % spec.vocabSize);
        model->windowNll(ids, seqlen); // first pass converts bf16 -> fp32 (resident) or streams
        std::printf("model: %s, fp32 weights %.2f GiB; load + first pass %.1f s\n",
                    model->isResident() ? "resident" : "streamed",
                    bench::gib(static_cast<std::uint64_t>(model->decoder().fp32WeightBytes())),
                    bench::secondsSince(t0));

        double best = 1e30;
        for (int r = 0; r < reps; ++r) {
            t0 = std::chrono::steady_clock::now();
            model->windowNll(ids, seqlen);
            best = std::min(best, bench::secondsSince(t0));
        }
        // FLOPs: decoder linears and the tied head (2 per multiply-add), plus causal attention
        // (QK^T and PV over the visible keys, T(T+1)/2 pairs per window and head).
        const ModelConfig &c = model->config();
        const double linear = double(c.layerLinearParams()) * double(c.numLayers);
        const double head = double(c.vocabSize) * double(c.hiddenSize);
        const double attn = double(c.numLayers) * double(batch) * 2.0 * 2.0 *
                            double(c.numHeads * c.headDim) * double(seqlen) * double(seqlen + 1) /
                            2.0;
        const double flops = 2.0 * double(tokens) * (linear + head) + attn;
        const double achieved = flops / best / 1e9;
        std::printf("prefill: %lld windows x %lld tokens in %.2f s = %.0f tok/s, %.1f GFLOP/s\n",
                    static_cast<long long>(batch), static_cast<long long>(seqlen), best,
                    double(tokens) / best, achieved);
        std::printf("fraction of sgemm: %.0f%% (aim >= 50%%)\n", 100.0 * achieved / sgemm);
        std::printf("peak RSS: %.2f GiB\n", bench::gib(bench::peakRssBytes()));
    } catch (const std::exception &e) {
        std::fprintf(stderr, "bench_prefill: %s\n", e.what());
        return 1;
    }
    return 0;
}
