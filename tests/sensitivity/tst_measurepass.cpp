// The measure pass against full pipeline runs on a tiny 3-layer model: each layer's isolated KL
// equals quantizing only that layer with quantizeModel (other layers kept at 16 bits) and
// evaluating the KL with evaluateKlDivergence on the probe windows; the all-low KL equals the
// uniform low-bit pipeline; the last layer's raised KL equals the pipeline plan with that layer
// high (no later layer, so the pass's one shortcut does not apply); costs are the counts the
// header states; the FP model is restored after the pass and after a cancel; bad input fails.
#include "core/alloc/bit_plan.h"
#include "core/data/token_windows.h"
#include "core/eval/kl_divergence.h"
#include "core/model/model.h"
#include "core/quant/pipeline.h"
#include "core/sensitivity/measure_pass.h"
#include "core/util/error.h"
#include "tests/support/tiny_checkpoint.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <random>
#include <type_traits>

using namespace lieq;
using sensitivity::MeasureResult;
using sensitivity::MeasureSettings;

namespace {

constexpr std::int64_t kVocab = 96;
constexpr int kLayers = 3;

TokenWindows randomWindows(std::int64_t count, std::int64_t seqlen, std::uint32_t seed)
{
    std::mt19937 rng(seed);
    std::vector<std::int32_t> ids;
    for (std::int64_t i = 0; i < count * seqlen; ++i)
        ids.push_back(std::int32_t(rng() % kVocab));
    return TokenWindows::fromTokens(ids, seqlen);
}

// A plan with `bits` per layer (16 = kept in float).
alloc::BitPlan planOf(const Model &model, const std::vector<int> &bits)
{
    alloc::BitPlan p = uniformPlan(model, 16);
    p.method = "test";
    for (alloc::PlanUnit &u : p.units)
        u.bits = bits[std::size_t(u.layer)];
    return p;
}

// quantizeModel's calibration argument for the same windows (CalibrationBatch {ids, count} or
// CalibrationSet {ids, samples}, whichever the pipeline takes).
template <typename F> struct CalibrationArg;
template <typename R, typename M, typename P, typename C, typename... Rest>
struct CalibrationArg<R (*)(M, P, C, Rest...)>
{
    using type = std::remove_cvref_t<C>;
};
template <typename C = typename CalibrationArg<decltype(&quantizeModel)>::type>
C pipelineCalibration(const TokenWindows &w)
{
    C c;
    c.ids = w.ids;
    c.seqlen = w.seqlen;
    if constexpr (requires { c.samples; })
        c.samples = w.count;
    else
        c.count = w.count;
    return c;
}

double relDiff(double a, double b) { return std::abs(a - b) / std::max(1e-12, std::abs(b)); }

} // namespace

class TestMeasurePass : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    std::string m_dir;
    TokenWindows m_calib, m_probe;

    // KL(FP || model quantized by the pipeline at `bits`) on the probe windows.
    double pipelineKl(const std::vector<int> &bits, const PipelineSettings &s)
    {
        auto fp = Model::load(m_dir);
        auto q = Model::load(m_dir);
        quantizeModel(*q, planOf(*q, bits), pipelineCalibration(m_calib), s);
        return evaluateKlDivergence(*fp, *q, m_probe).meanKl;
    }

private Q_SLOTS:
    void initTestCase()
    {
        setComputeThreads(1);
        test::TinyModelSpec spec;
        spec.tokenizer = test::TinyTokenizer::None;
        spec.vocabSize = kVocab;
        spec.layers = kLayers;
        spec.seed = 5;
        m_dir = test::writeTinyCheckpoint(m_tmp.filePath(QStringLiteral("m")).toStdString(), spec);
        m_calib = randomWindows(4, 24, 1);
        m_probe = randomWindows(2, 20, 2);
    }

    void matchesPipelineRuns_data()
    {
        QTest::addColumn<QString>("method");
        QTest::addColumn<bool>("cachedReference");
        QTest::newRow("rtn") << QStringLiteral("rtn") << true;
        QTest::newRow("gptq") << QStringLiteral("gptq") << true;
        QTest::newRow("rtn, reference recomputed") << QStringLiteral("rtn") << false;
    }

    void matchesPipelineRuns()
    {
        QFETCH(QString, method);
        QFETCH(bool, cachedReference);
        MeasureSettings s;
        s.backend.method = quantMethodFromName(method.toStdString());
        s.backend.groupSize = 32;
        s.referenceCacheBytes = cachedReference ? (1 << 30) : 0;
        auto model = Model::load(m_dir);
        const std::vector<float> before = model->logits(m_probe.ids);
        std::vector<std::string> stages;
        const MeasureResult r = sensitivity::runMeasurePass(
            *model, m_calib, m_probe, s,
            [&](const std::string &stage, const sensitivity::LayerSensitivity &) {
                stages.push_back(stage);
            });
        QCOMPARE(int(r.layers.size()), kLayers);
        QCOMPARE(int(stages.size()), 2 * kLayers);
        QCOMPARE(r.cost.referenceCached, cachedReference);

        for (int l = 0; l < kLayers; ++l) {
            std::vector<int> bits(kLayers, 16);
            bits[std::size_t(l)] = 2;
            const double expected = pipelineKl(bits, s.backend);
            QVERIFY2(relDiff(r.layers[std::size_t(l)].klLow, expected) < 1e-4,
                     qPrintable(QStringLiteral("layer %1: %2 vs %3").arg(l)
                                    .arg(r.layers[std::size_t(l)].klLow).arg(expected)));
            QVERIFY(r.layers[std::size_t(l)].klLow > 0);
        }
        const double allLow = pipelineKl(std::vector<int>(kLayers, 2), s.backend);
        QVERIFY2(relDiff(r.klAllLow, allLow) < 1e-4,
                 qPrintable(QStringLiteral("%1 vs %2").arg(r.klAllLow).arg(allLow)));
        std::vector<int> lastHigh(kLayers, 2);
        lastHigh.back() = 4;
        const double raised = pipelineKl(lastHigh, s.backend);
        QVERIFY(relDiff(r.layers.back().klRaised, raised) < 1e-4);
        for (const auto &l : r.layers) {
            QVERIFY(std::abs(l.gain - (r.klAllLow - l.klRaised)) < 1e-15);
            QVERIFY(l.top1Low >= 0 && l.top1Low <= 1);
        }
        QVERIFY(r.layers.front().gain > 0); // 4 bits on layer 0 helps on a random model

        // Costs as stated in the header.
        const std::int64_t L = kLayers;
        QCOMPARE(r.cost.layerQuantizations, 3 * L);
        QCOMPARE(r.cost.probeLayerForwards, 2 * L + L * (L + 1));
        QCOMPARE(r.cost.headEvaluations, cachedReference ? 2 * L + 2 : 4 * L + 2);
        QVERIFY(r.cost.forwardSeconds > 0 && r.cost.forwardMultiple > 1);

        // The FP model is back.
        const std::vector<float> after = model->logits(m_probe.ids);
        QCOMPARE(after, before);
    }

    void onlyOnePart()
    {
        MeasureSettings s;
        s.backend.method = QuantMethod::Rtn;
        s.backend.groupSize = 32;
        s.gains = false;
        auto model = Model::load(m_dir);
        const MeasureResult r = sensitivity::runMeasurePass(*model, m_calib, m_probe, s);
        QVERIFY(std::isfinite(r.layers[0].klLow));
        QVERIFY(std::isnan(r.layers[0].gain));
        QVERIFY(std::isnan(r.klAllLow));
        QCOMPARE(r.cost.layerQuantizations, std::int64_t(kLayers));
        QCOMPARE(r.gains().size(), std::size_t(kLayers));
    }

    void cancelRestoresTheModel()
    {
        MeasureSettings s;
        s.backend.method = QuantMethod::Rtn;
        s.backend.groupSize = 32;
        auto model = Model::load(m_dir);
        const std::vector<float> before = model->logits(m_probe.ids);
        int calls = 0;
        bool thrown = false, stageOk = true;
        try {
            sensitivity::runMeasurePass(*model, m_calib, m_probe, s, {}, [&](const Progress &p) {
                stageOk = stageOk && p.stage == "measure";
                return ++calls < 8;
            });
        } catch (const Cancelled &) {
            thrown = true;
        }
        QVERIFY(thrown);
        QVERIFY(stageOk);
        QCOMPARE(model->logits(m_probe.ids), before);
    }

    void badInput_data()
    {
        QTest::addColumn<int>("low");
        QTest::addColumn<int>("high");
        QTest::addColumn<bool>("emptyProbe");
        QTest::newRow("low >= high") << 4 << 4 << false;
        QTest::newRow("5 bits") << 2 << 5 << false;
        QTest::newRow("no probe windows") << 2 << 4 << true;
    }

    void badInput()
    {
        QFETCH(int, low);
        QFETCH(int, high);
        QFETCH(bool, emptyProbe);
        MeasureSettings s;
        s.lowBits = low;
        s.highBits = high;
        auto model = Model::load(m_dir);
        TokenWindows probe = emptyProbe ? TokenWindows{} : m_probe;
        QVERIFY_THROWS_EXCEPTION(Error,
                                 sensitivity::runMeasurePass(*model, m_calib, probe, s));
        s = MeasureSettings{};
        s.isolated = s.gains = false;
        QVERIFY_THROWS_EXCEPTION(Error,
                                 sensitivity::runMeasurePass(*model, m_calib, m_probe, s));
    }
};

QTEST_GUILESS_MAIN(TestMeasurePass)
#include "tst_measurepass.moc"
