// GPTQ pipeline wall time and peak RSS on a generated Qwen3-0.6B-shaped bf16 checkpoint
// (28 layers, hidden 1024, FFN 3072, 16/8 heads, head_dim 128, vocab 151936), with the time
// also given as a ratio to plain forward passes of the decoder over the same calibration tokens
// measured in the same run. Prints figures; fails only when the result is unusable.
// Environment: LIEQ_BENCH_SAMPLES (default 8) x LIEQ_BENCH_SEQLEN (default 512) calibration
// tokens, LIEQ_BENCH_LAYERS (default 28), LIEQ_BENCH_METHOD (gptq | rtn | awq),
// LIEQ_BENCH_SCRATCH (where the checkpoint is written).
#include "core/model/decoder_impl.h"
#include "core/model/model.h"
#include "core/quant/pipeline.h"
#include "tests/bench/qwen3_shape.h"
#include "tests/bench/runtime/bench_common.h"
#include "tests/bench/runtime/large_checkpoint.h"

#include <QTest>

#include <cmath>
#include <random>

using namespace lieq;

namespace {

std::int64_t envInt(const char *name, std::int64_t fallback)
{
    const int v = qEnvironmentVariableIntValue(name);
    return v > 0 ? v : fallback;
}

} // namespace

class BenchPipeline : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { setComputeThreads(0); }

    void qwen3ShapedGptq()
    {
        const test::TinyModelSpec spec =
            bench::qwen3ShapeSpec(bench::Qwen3Shape::B0_6, envInt("LIEQ_BENCH_LAYERS", 28), 4096);
        const std::int64_t samples = envInt("LIEQ_BENCH_SAMPLES", 8);
        const std::int64_t seqlen = envInt("LIEQ_BENCH_SEQLEN", 512);
        const QByteArray methodName = qgetenv("LIEQ_BENCH_METHOD");
        const QuantMethod method =
            quantMethodFromName(methodName.isEmpty() ? "gptq" : methodName.toStdString());

        bench::ScratchDir scratch("lieq-bench-pipeline");
        const auto tw = std::chrono::steady_clock::now();
        const std::uint64_t bytes = bench::writeLargeCheckpoint(scratch.path.string(), spec);
        qInfo("checkpoint: %lld layers, %.2f GiB bf16 written in %.1f s",
              static_cast<long long>(spec.layers), bench::gib(bytes), bench::secondsSince(tw));

        std::mt19937_64 rng(1);
        CalibrationSet calib;
        calib.samples = samples;
        calib.seqlen = seqlen;
        for (std::int64_t i = 0; i < samples * seqlen; ++i)
            calib.ids.push_back(static_cast<std::int32_t>(rng() % 151936));

        const std::uint64_t rssStart = bench::currentRssBytes();
        // Baseline: the plain decoder forward over the same tokens (embedding + all layers;
        // no LM head, which the pipeline never runs), best of two.
        double forward = 1e30;
        {
            auto model = Model::load(scratch.path.string());
            torch::NoGradGuard ng;
            torch::Tensor ids = torch::empty({samples, seqlen}, torch::kLong);
            std::copy(calib.ids.begin(), calib.ids.end(), ids.data_ptr<std::int64_t>());
            for (int rep = 0; rep < 2; ++rep) {
                const auto t0 = std::chrono::steady_clock::now();
                const torch::Tensor h = model->decoder().forwardHidden(ids);
                forward = std::min(forward, bench::secondsSince(t0));
                QVERIFY(std::isfinite(h.abs().max().item<double>()));
            }
        }
        const std::uint64_t peakAfterForward = bench::peakRssBytes();

        auto model = Model::load(scratch.path.string());
        PipelineSettings s;
        s.method = method;
        s.groupSize = 128;
        s.moduleErrors = 1; // reported below for every method (RTN skips them by default)
        const auto t0 = std::chrono::steady_clock::now();
        const PipelineResult r = quantizeModel(*model, uniformPlan(*model, 4), calib, s);
        const double wall = bench::secondsSince(t0);
        const std::uint64_t peak = bench::peakRssBytes();
        QCOMPARE(r.modules.size(), std::size_t(7 * spec.layers));
        double worst = 0;
        for (const ModuleReport &m : r.modules) {
            QVERIFY(std::isfinite(m.relativeError));
            worst = std::max(worst, m.relativeError);
        }
        const double sgemm = bench::sgemmGflops(samples * seqlen / 4, 1024, 3072);

        qInfo("Qwen3-0.6B shape, %s 4-bit g128, %lld x %lld calibration tokens, %d threads",
              quantMethodName(method).c_str(), static_cast<long long>(samples),
              static_cast<long long>(seqlen), computeThreads());
        qInfo("plain forward over the calibration tokens: %.2f s (sgemm %.0f GFLOP/s)", forward,
              sgemm);
        qInfo("pipeline wall time: %.2f s = %.2f x the forward pass", wall, wall / forward);
        qInfo("  capture forwards %.2f s, quantization %.2f s, output forwards %.2f s; "
              "%lld layer forwards begun (%.2f passes; captures stop at their projection)",
              r.captureSeconds, r.quantizeSeconds, r.forwardSeconds,
              static_cast<long long>(r.layerForwards), double(r.layerForwards) / spec.layers);
        qInfo("peak RSS: %.2f GiB (after the forward baseline: %.2f GiB; at start %.2f GiB); "
              "bf16 checkpoint %.2f GiB",
              bench::gib(peak), bench::gib(peakAfterForward), bench::gib(rssStart),
              bench::gib(bytes));
        qInfo("worst relative output error over modules: %.4f", worst);
    }
};

int main(int argc, char **argv)
{
    // 28 layers take longer than Qt Test's 5-minute default watchdog per test function.
    if (!qEnvironmentVariableIsSet("QTEST_FUNCTION_TIMEOUT"))
        qputenv("QTEST_FUNCTION_TIMEOUT", "7200000");
    QCoreApplication app(argc, argv);
    BenchPipeline bench;
    return QTest::qExec(&bench, argc, argv);
}
#include "bench_pipeline.moc"
