// The LieQ diagnostics on the real stories260K model with WikiText-2 calibration (the default
// 32 x 512 windows, or LIEQ_BENCH_SAMPLES): per-layer table, correlations of dPPL with dr and
// dE, cost and time. Skipped when ../shared is absent; fails only on invalid results.
#include "core/data/calibration.h"
#include "core/analysis/diagnostics_correlation.h"
#include "core/analysis/diagnostics_runner.h"
#include "core/model/model.h"
#include "core/tokenizer/tokenizer.h"
#include "tests/support/testutil.h"

#include <QTest>

#include <cmath>

using namespace lieq;
using namespace lieq::analysis;

class BenchStoriesDiagnostics : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { setComputeThreads(); }

    void storiesWikitext()
    {
        LIEQ_REQUIRE_SHARED(modelDir, "models/stories260K-hf");
        LIEQ_REQUIRE_SHARED(wiki, "data/wikitext-2-raw/wiki.test.hf_joined.txt");
        auto model = Model::load(modelDir);
        CalibrationSpec cs;
        cs.path = wiki;
        const int samples = qEnvironmentVariableIntValue("LIEQ_BENCH_SAMPLES");
        if (samples > 0)
            cs.samples = samples;
        const CalibrationSet calib = sampleCalibration(Tokenizer::fromModelDir(modelDir), cs);
        DiagnosticsSettings s;
        s.perHead = true;
        const DiagnosticsResult r = runDiagnostics(*model, calib, s);
        qInfo("stories260K, WikiText-2 test, %lld x %lld tokens (seed 0) of %lld; baseline PPL %.3f",
              (long long)cs.samples, (long long)cs.seqlen, (long long)calib.info.corpusTokens, r.pplBase);
        qInfo("layer      dPPL        dr        dE   Compact  Compact~");
        for (const LayerDiagnostics &l : r.layers) {
            QVERIFY(std::isfinite(l.dppl) && std::isfinite(l.dr) && std::isfinite(l.dE));
            qInfo("%5d %9.3f %9.4f %9.4f %9.2f %9.2f", l.layer, l.dppl, l.dr, l.dE,
                  l.compactTrained, l.compactRandom);
        }
        for (const MetricCorrelation &c : correlateDiagnostics(r))
            qInfo("%s vs %s (n = %zu): Spearman %.3f (p %.3g, CI [%.3f, %.3f]), Pearson %.3f "
                  "(p %.3g), Kendall %.3f (p %.3g)", c.x.c_str(), c.y.c_str(), c.n,
                  c.spearman.coefficient, c.spearman.pValue, c.spearmanCi.low, c.spearmanCi.high,
                  c.pearson.coefficient, c.pearson.pValue, c.kendall.coefficient, c.kendall.pValue);
        qInfo("time: baseline %.2f s, spectra %.2f s, dPPL %.2f s; %lld layer evaluations "
              "(naive %lld)", r.timings.baselineSeconds, r.timings.spectralSeconds,
              r.timings.dpplSeconds, (long long)r.cost.layerEvaluations,
              (long long)r.cost.naiveLayerEvaluations);
    }
};

QTEST_GUILESS_MAIN(BenchStoriesDiagnostics)
#include "bench_stories_diagnostics.moc"
