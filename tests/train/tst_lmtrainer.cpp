// Qwen3 training loop on a tiny configuration: the loss falls, seeded runs are identical, the
// saved bf16 checkpoint gives the trainer's validation NLL through core/model's runtime, cancel
// stops, the schedule has its shape, and bad input is refused.
#include "core/io/model_config.h"
#include "core/io/safetensors.h"
#include "core/model/model.h"
#include "core/train/lm_trainer.h"
#include "core/train/lr_schedule.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

#include <QtTest>

#include <cmath>
#include <numeric>
#include <random>

using lieq::LmShape;
using lieq::LmTrainer;
using lieq::TrainOptions;

namespace {

LmShape tinyShape()
{
    LmShape s;
    s.vocabSize = 64;
    s.hiddenSize = 32;
    s.intermediateSize = 80;
    s.numLayers = 2;
    s.numHeads = 4;
    s.numKvHeads = 2;
    s.headDim = 8;
    s.maxPositionEmbeddings = 64;
    s.eosTokenIds = {63};
    return s;
}

TrainOptions tinyOptions(std::int64_t steps)
{
    TrainOptions o;
    o.steps = steps;
    o.batchSize = 8;
    o.seqlen = 24;
    o.learningRate = 1e-2;
    o.warmupSteps = 5;
    o.evalEvery = 10;
    o.evalWindows = 4;
    o.seed = 7;
    return o;
}

// A learnable stream: a repeating 9-token phrase with one random token out of three.
std::vector<std::int32_t> patternTokens(std::size_t n, unsigned seed)
{
    std::mt19937 rng(seed);
    const std::int32_t phrase[] = {5, 17, 3, 42, 8, 8, 23, 60, 11};
    std::vector<std::int32_t> out(n);
    for (std::size_t i = 0; i < n; ++i)
        out[i] = rng() % 3 == 0 ? static_cast<std::int32_t>(rng() % 63) : phrase[i % 9];
    return out;
}

double mean(const std::vector<double> &v, std::int64_t perWindow)
{
    return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size() * perWindow);
}

} // namespace

class TestLmTrainer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { lieq::setComputeThreads(1); } // robust on the busy shared machine
    void lossDecreases();
    void seededRunsAreIdentical();
    void runtimeMatchesTrainer();
    void savedCheckpointLayout();
    void cancelStops();
    void schedule();
    void rejectsBadInput();
};

void TestLmTrainer::lossDecreases()
{
    LmTrainer t(tinyShape(), 1);
    QCOMPARE(t.parameterCount(), tinyShape().parameterCount());
    const auto train = patternTokens(6000, 1);
    const auto val = patternTokens(24 * 8, 2);
    const lieq::TrainResult r = t.train(train, val, 24, tinyOptions(80));
    QCOMPARE(r.log.size(), std::size_t(80));
    const double first = r.log.front().trainLoss;
    QVERIFY2(std::abs(first - std::log(64.0)) < 0.3,
             qPrintable(QStringLiteral("initial loss %1 should be near ln 64").arg(first)));
    QVERIFY2(r.finalTrainLoss < first - 1.0,
             qPrintable(QStringLiteral("loss %1 -> %2").arg(first).arg(r.finalTrainLoss)));
    QVERIFY(r.valLoss < first - 1.0);
    QVERIFY(r.log[9].valLoss.has_value()); // periodic validation at step 10
    QVERIFY(!r.log[8].valLoss.has_value());
    QCOMPARE(r.tokensSeen, std::int64_t(80 * 8 * 24));
    QCOMPARE(r.valTokens, std::int64_t(8 * 23));
}

void TestLmTrainer::seededRunsAreIdentical()
{
    const auto train = patternTokens(3000, 3);
    const auto val = patternTokens(48, 4);
    QTemporaryDir dir;
    std::vector<std::string> files;
    std::vector<std::vector<double>> losses;
    for (int run = 0; run < 3; ++run) {
        LmTrainer t(tinyShape(), run < 2 ? 11 : 12);
        const lieq::TrainResult r = t.train(train, val, 24, tinyOptions(12));
        std::vector<double> l;
        for (const auto &e : r.log)
            l.push_back(e.trainLoss);
        losses.push_back(l);
        const std::string out = dir.filePath(QString::number(run)).toStdString();
        t.save(out);
        files.push_back(lieq::readFile(out + "/model.safetensors"));
    }
    QCOMPARE(losses[0], losses[1]);
    QVERIFY(files[0] == files[1]);
    QVERIFY(files[0] != files[2]); // another seed, other weights
}

void TestLmTrainer::runtimeMatchesTrainer()
{
    LmTrainer t(tinyShape(), 5);
    const auto train = patternTokens(4000, 5);
    const std::int64_t seqlen = 32; // longer than training windows: RoPE beyond them agrees too
    const auto val = patternTokens(static_cast<std::size_t>(seqlen * 6), 6);
    t.train(train, val, seqlen, tinyOptions(30));
    QTemporaryDir dir;
    const std::string out = dir.path().toStdString();
    t.save(out);

    auto model = lieq::Model::load(out, {});
    const std::vector<double> runtime = model->windowNll(val, seqlen);
    // fp32 trainer vs bf16 checkpoint: equal within what bf16 weight rounding moves.
    const std::vector<double> fp32 = t.windowNll(val, seqlen);
    QCOMPARE(runtime.size(), fp32.size());
    const double a = mean(runtime, seqlen - 1), b = mean(fp32, seqlen - 1);
    QVERIFY2(std::abs(a - b) < 0.01 * b,
             qPrintable(QStringLiteral("runtime %1 vs trainer %2").arg(a).arg(b)));
    // With the trainer's weights rounded like the saved ones, the two forwards agree to fp32
    // accuracy, window by window: same architecture, same names, same RoPE.
    t.roundWeightsToBf16();
    const std::vector<double> rounded = t.windowNll(val, seqlen);
    for (std::size_t w = 0; w < runtime.size(); ++w)
        QVERIFY2(std::abs(runtime[w] - rounded[w]) < 1e-4 * rounded[w],
                 qPrintable(QStringLiteral("window %1: runtime %2 vs trainer %3")
                                .arg(w)
                                .arg(runtime[w], 0, 'g', 10)
                                .arg(rounded[w], 0, 'g', 10)));
}

void TestLmTrainer::savedCheckpointLayout()
{
    LmTrainer t(tinyShape(), 9);
    QTemporaryDir dir;
    const std::string out = dir.path().toStdString();
    t.save(out);
    const lieq::ModelConfig c = lieq::ModelConfig::fromFile(out + "/config.json");
    QCOMPARE(c.modelType, std::string("qwen3"));
    QVERIFY(c.qkNorm);
    QVERIFY(c.tieWordEmbeddings);
    QCOMPARE(c.numLayers, std::int64_t(2));
    QCOMPARE(c.numKvHeads, std::int64_t(2));
    QCOMPARE(c.headDim, std::int64_t(8));
    QCOMPARE(c.initializerRange, 0.02);
    QCOMPARE(c.torchDtype, std::string("bfloat16"));
    QCOMPARE(c.eosTokenIds, std::vector<std::int64_t>{63});
    const lieq::SafetensorsFile f(out + "/model.safetensors");
    QVERIFY(!f.contains("lm_head.weight"));
    QCOMPARE(f.names().size(), std::size_t(1 + 2 * 11 + 1));
    const auto &q = f.tensor("model.layers.1.self_attn.q_proj.weight");
    QCOMPARE(q.dtype, lieq::DType::BF16);
    QCOMPARE(q.shape, (std::vector<std::int64_t>{32, 32}));
    QCOMPARE(f.tensor("model.layers.0.self_attn.k_norm.weight").shape,
             std::vector<std::int64_t>{8});
    QCOMPARE(f.tensor("model.embed_tokens.weight").shape, (std::vector<std::int64_t>{64, 32}));
    QCOMPARE(f.tensor("model.layers.0.mlp.down_proj.weight").shape,
             (std::vector<std::int64_t>{32, 80}));
}

void TestLmTrainer::cancelStops()
{
    LmTrainer t(tinyShape(), 2);
    const auto train = patternTokens(3000, 7);
    int logged = 0;
    auto progress = [](const lieq::Progress &p) { return !(p.stage == "training" && p.done >= 3); };
    QVERIFY_THROWS_EXCEPTION(lieq::Cancelled,
                             t.train(train, {}, 0, tinyOptions(50), progress,
                                     [&](const lieq::TrainLogEntry &) { ++logged; }));
    QCOMPARE(logged, 3);
}

void TestLmTrainer::schedule()
{
    const lieq::LrSchedule s(1.0, 10, 110, 0.1);
    QCOMPARE(s.at(0), 0.1);
    QCOMPARE(s.at(9), 1.0);
    QCOMPARE(s.at(10), 1.0);
    QVERIFY(std::abs(s.at(109) - 0.1) < 1e-12);
    QVERIFY(std::abs(s.at(60) - 0.55) < 0.01); // half way down the cosine
    for (int i = 11; i < 110; ++i)
        QVERIFY(s.at(i) < s.at(i - 1));
}

void TestLmTrainer::rejectsBadInput()
{
    LmShape bad = tinyShape();
    bad.numHeads = 3; // not a multiple of 2 kv heads
    QVERIFY_THROWS_EXCEPTION(lieq::Error, LmTrainer(bad, 1));
    LmTrainer t(tinyShape(), 1);
    std::vector<std::int32_t> outOfVocab(200, 1);
    outOfVocab[50] = 64;
    QVERIFY_THROWS_EXCEPTION(lieq::Error, t.train(outOfVocab, {}, 0, tinyOptions(2)));
    QVERIFY_THROWS_EXCEPTION(lieq::Error, t.train({1, 2, 3}, {}, 0, tinyOptions(2)));
    QVERIFY_THROWS_EXCEPTION(lieq::Error, t.windowNll({1, 2, 3}, 2));
}

QTEST_GUILESS_MAIN(TestLmTrainer)
#include "tst_lmtrainer.moc"
