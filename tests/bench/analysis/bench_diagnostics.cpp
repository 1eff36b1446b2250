// Layer diagnostics on a generated Qwen3-0.6B-shaped checkpoint (28 layers, hidden 1024, FFN
// 3072, 16/8 heads, head_dim 128, vocab 151936, bf16, tied head), calibration windows of 512
// random tokens: LIEQ_BENCH_SAMPLES (default 8) for the spectra, LIEQ_BENCH_DPPL_SAMPLES
// (default 1) for dPPL, whose cost ratio does not depend on the token count but whose L+1
// passes would not fit a 2-core budget otherwise. Prints, measured in the same run:
//   - compactness + energy pass time / one plain forward pass (Model::windowNll) over the same
//     tokens (aim <= 2x);
//   - dPPL pass time / naive L+1 passes, the naive cost being (L+1) x the measured plain pass
//     (LIEQ_BENCH_NAIVE=1 runs the L+1 passes for real; aim <= 0.6x), with the layer/head
//     evaluation counts and the MAC-weighted cost ratio;
//   - peak RSS.
// LIEQ_BENCH_LAYERS overrides the 28 layers (quick looks). Fails only on invalid results
// (non-finite metrics, cost counters off), never on timings.
#include "core/data/calibration.h"
#include "core/analysis/diagnostics_runner.h"
#include "core/model/model.h"
#include "tests/bench/qwen3_shape.h"
#include "tests/support/tiny_checkpoint.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>

#include <sys/resource.h>

#include <cmath>
#include <fstream>
#include <random>

using namespace lieq;
using namespace lieq::analysis;

namespace {

std::int64_t envInt(const char *name, std::int64_t fallback)
{
    const int v = qEnvironmentVariableIntValue(name);
    return v > 0 ? v : fallback;
}

double peakRssMiB()
{
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_maxrss) / 1024.0;
}

template <typename Fn> double secondsOf(Fn fn)
{
    QElapsedTimer t;
    t.start();
    fn();
    return double(t.nsecsElapsed()) * 1e-9;
}

} // namespace

class BenchDiagnostics : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { setComputeThreads(); }

    void qwen3Shaped()
    {
        QTemporaryDir tmp;
        const test::TinyModelSpec spec =
            bench::qwen3ShapeSpec(bench::Qwen3Shape::B0_6, envInt("LIEQ_BENCH_LAYERS", 28), 1024);
        const int L = int(spec.layers);
        std::string dir;
        const double writeS = secondsOf([&] {
            dir = test::writeTinyCheckpoint(tmp.filePath(QStringLiteral("qwen3")).toStdString(),
                                            spec);
        });
        auto model = Model::load(dir);
        qInfo("checkpoint: %d layers written in %.1f s; resident fp32: %s", L, writeS,
              model->isResident() ? "yes" : "no (streamed)");

        const std::int64_t seqlen = 512;
        auto calibration = [&](std::int64_t samples) {
            std::mt19937_64 rng{static_cast<std::uint64_t>(samples)};
            std::vector<std::int32_t> tokens(std::size_t(samples * seqlen * 2));
            for (auto &t : tokens)
                t = std::int32_t(rng() % std::uint64_t(spec.vocabSize));
            CalibrationSpec cs;
            cs.samples = samples;
            cs.seqlen = seqlen;
            return sampleCalibrationTokens(tokens, cs);
        };
        // Plain pass: Model::windowNll (all layers + head) over the same windows.
        auto plainPass = [&](const CalibrationSet &calib, double &ppl) {
            return secondsOf([&] {
                const auto nll = model->windowNll(calib.ids, seqlen);
                double s = 0;
                for (double v : nll)
                    s += v;
                ppl = std::exp(s / double(calib.samples * (seqlen - 1)));
            });
        };

        // Warm-up: materialise the resident fp32 weights, so no pass below pays the bf16
        // conversion.
        const CalibrationSet spectralCalib = calibration(envInt("LIEQ_BENCH_SAMPLES", 8));
        model->windowNll(
            std::vector<std::int32_t>(spectralCalib.ids.begin(), spectralCalib.ids.begin() + 16),
            16);

        double plainPpl = 0;
        const double plainS = plainPass(spectralCalib, plainPpl);
        qInfo("plain forward (layers + head) over %lld x %lld tokens: %.2f s, peak RSS %.0f MiB",
              (long long)spectralCalib.samples, (long long)seqlen, plainS, peakRssMiB());
        DiagnosticsSettings spectral;
        spectral.dppl = false;
        DiagnosticsResult sr;
        const double spectralS =
            secondsOf([&] { sr = runDiagnostics(*model, spectralCalib, spectral); });
        for (const auto &l : sr.layers)
            QVERIFY(std::isfinite(l.dr) && std::isfinite(l.dE));
        // Random weights give astronomically large perplexities (exp of ~100+ nats, possibly
        // inf): compare log-perplexities, i.e. mean NLL, where both are finite.
        if (std::isfinite(plainPpl) && std::isfinite(sr.pplBase))
            QVERIFY2(
                std::fabs(std::log(sr.pplBase) - std::log(plainPpl)) < 1e-4,
                qPrintable(QStringLiteral("ppl %1 vs plain %2").arg(sr.pplBase).arg(plainPpl)));
        qInfo("compactness + energy pass: %.2f s = %.2fx the plain forward (aim <= 2x); "
              "spectra %.2f s, forward + head %.2f s; peak RSS %.0f MiB",
              spectralS, spectralS / plainS, sr.timings.spectralSeconds, sr.timings.baselineSeconds,
              peakRssMiB());

        const CalibrationSet dpplCalib = calibration(envInt("LIEQ_BENCH_DPPL_SAMPLES", 1));
        double dpplPlainPpl = 0;
        const double dpplPlainS = plainPass(dpplCalib, dpplPlainPpl);
        DiagnosticsSettings dppl;
        dppl.compact = dppl.energy = false;
        DiagnosticsResult dr;
        const double dpplS = secondsOf([&] { dr = runDiagnostics(*model, dpplCalib, dppl); });
        QCOMPARE(dr.cost.layerEvaluations,
                 std::int64_t(L + L * (L - 1) / 2 + dr.cost.recomputedLayers));
        for (const auto &l : dr.layers)
            QVERIFY(std::isfinite(l.dppl));
        double naiveS = (L + 1) * dpplPlainS;
        const bool measured = qEnvironmentVariableIntValue("LIEQ_BENCH_NAIVE") > 0;
        if (measured) naiveS = secondsOf([&] { naiveLayerPerplexities(*model, dpplCalib); });
        qInfo("dPPL pass over %lld x %lld tokens: %.2f s = %.3fx naive L+1 passes (%s %.1f s; "
              "aim <= 0.6x); %lld layer + %lld head evaluations vs %lld + %lld naive, MAC ratio "
              "%.3f; cached %lld layer inputs (%.0f MiB); peak RSS %.0f MiB",
              (long long)dpplCalib.samples, (long long)seqlen, dpplS, dpplS / naiveS,
              measured ? "measured" : "(L+1) x plain pass =", naiveS,
              (long long)dr.cost.layerEvaluations, (long long)dr.cost.headEvaluations,
              (long long)dr.cost.naiveLayerEvaluations, (long long)dr.cost.naiveHeadEvaluations,
              dr.cost.dpplCostRatio, (long long)dr.cost.cachedLayers,
              double(dr.cost.cachedBytes) / (1 << 20), peakRssMiB());
    }
};

QTEST_GUILESS_MAIN(BenchDiagnostics)
#include "bench_diagnostics.moc"
