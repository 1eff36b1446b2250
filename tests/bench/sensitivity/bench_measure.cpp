// The measure pass on a real model: cost as a multiple of one FP forward over the same windows
// (timed in the same run), and the measured per-layer KL and gains, with GPTQ (or RTN/AWQ).
//
//   LIEQ_BENCH_MODEL=DIR LIEQ_BENCH_TEXT=FILE LIEQ_BENCH_METHOD=gptq LIEQ_BENCH_SAMPLES=16 \
//   LIEQ_BENCH_PROBE=8 LIEQ_BENCH_SEQLEN=256 bench_measure
//
// Defaults: the embedded demo model (resources/demo-model) on its validation.txt. Calibration
// windows are the first `samples` non-overlapping windows of the text, probe windows the next
// `probe` ones. Prints the machine load beside the figures; never fails on timings.
#include "core/data/corpus.h"
#include "core/data/token_windows.h"
#include "core/model/model.h"
#include "core/sensitivity/measure_pass.h"
#include "core/tokenizer/tokenizer.h"

#include <QTest>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

using namespace lieq;

namespace {

std::string load()
{
    std::ifstream f("/proc/loadavg");
    std::string a, b, c;
    f >> a >> b >> c;
    return a + " " + b + " " + c;
}

} // namespace

class BenchMeasure : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void measure()
    {
        auto env = [](const char *name, const QString &fallback) {
            const QString v = qEnvironmentVariable(name);
            return v.isEmpty() ? fallback : v;
        };
        const std::string model =
            env("LIEQ_BENCH_MODEL", QStringLiteral(LIEQ_SOURCE_DIR "/resources/demo-model")).toStdString();
        const std::string text =
            env("LIEQ_BENCH_TEXT", QString::fromStdString(model + "/validation.txt")).toStdString();
        if (!QFile::exists(QString::fromStdString(model + "/config.json")))
            QSKIP("model folder not found (pass MODEL_DIR)");
        const std::int64_t samples = env("LIEQ_BENCH_SAMPLES", QStringLiteral("16")).toLongLong();
        const std::int64_t probe = env("LIEQ_BENCH_PROBE", QStringLiteral("8")).toLongLong();
        const std::int64_t seqlen = env("LIEQ_BENCH_SEQLEN", QStringLiteral("256")).toLongLong();
        sensitivity::MeasureSettings s;
        s.backend.method = quantMethodFromName(env("LIEQ_BENCH_METHOD", QStringLiteral("gptq")).toStdString());

        const Tokenizer tok = Tokenizer::fromModelDir(model);
        const TokenWindows all = TokenWindows::fromText(tok, Corpus::fromFile(text, {}).joined("\n\n"),
                                                        seqlen, samples + probe);
        if (all.count < samples + probe)
            QSKIP("the text holds too few windows");
        const TokenWindows calib = TokenWindows::fromTokens(all.range(0, samples), seqlen);
        const TokenWindows probes = TokenWindows::fromTokens(all.range(samples, probe), seqlen);
        auto m = Model::load(model);
        std::printf("model %s, %lld layers, %s, %lld calibration + %lld probe windows x %lld tokens, "
                    "%d thread(s); load %s\n",
                    model.c_str(), static_cast<long long>(m->config().numLayers),
                    quantMethodName(s.backend.method).c_str(), static_cast<long long>(samples),
                    static_cast<long long>(probe), static_cast<long long>(seqlen), computeThreads(),
                    load().c_str());
        const sensitivity::MeasureResult r = sensitivity::runMeasurePass(*m, calib, probes, s);
        std::printf("layer    KL(only low)  KL(all low, raised)        gain\n");
        for (const auto &l : r.layers)
            std::printf("%5d  %12.6f  %19.6f  %+10.6f\n", l.layer, l.klLow, l.klRaised, l.gain);
        std::printf("all low: KL %.6f, top-1 %.1f%%\n", r.klAllLow, 100 * r.top1AllLow);
        std::printf("cost: %.1f s = %.1f x one FP forward (%.2f s over the same windows); %lld layer "
                    "quantizations, %lld probe + %lld calibration layer forwards; load %s\n",
                    r.cost.seconds, r.cost.forwardMultiple, r.cost.forwardSeconds,
                    static_cast<long long>(r.cost.layerQuantizations),
                    static_cast<long long>(r.cost.probeLayerForwards),
                    static_cast<long long>(r.cost.calibrationLayerForwards), load().c_str());
    }
};

QTEST_GUILESS_MAIN(BenchMeasure)
#include "bench_measure.moc"
