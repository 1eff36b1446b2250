// GPTQ: lower output error than RTN on its calibration inputs across shapes and settings,
// the reference's loss identity, the running-average Hessian, dead columns, damping retries.

#include "core/quant/gptq.h"
#include "core/quant/rtn.h"
#include "core/util/error.h"
#include "quant_fixtures.h"

#include <QTest>

#include <algorithm>
#include <numeric>

using namespace lieq;
using namespace lieq::test;

namespace {

// Feeds x to the quantizer in `parts` batches, as a pipeline's forward hook would.
GptqQuantizer hessianOf(const Mat &x, int parts)
{
    GptqQuantizer gptq(x.cols);
    const std::int64_t per = (x.rows + parts - 1) / parts;
    for (std::int64_t t0 = 0; t0 < x.rows; t0 += per) {
        const std::int64_t n = std::min(per, x.rows - t0);
        gptq.addBatch(MatrixView{x.data.data() + t0 * x.cols, n, x.cols});
    }
    return gptq;
}

} // namespace

class TestGptq : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { useAllCores(); }

    void beatsRtn_data();
    void beatsRtn();
    void hessianIsRunningAverage();
    void choleskyFailureRaisesDamping_data();
    void choleskyFailureRaisesDamping();
    void deadColumnsAreZeroed();
    void eightBitIsNearLossless();
    void cancels();
    void rejectsBadInput();
};

void TestGptq::beatsRtn_data()
{
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::addColumn<int>("tokens");
    QTest::addColumn<int>("bits");
    QTest::addColumn<int>("groupSize");
    QTest::addColumn<bool>("sym");
    QTest::addColumn<bool>("actOrder");
    QTest::addColumn<bool>("staticGroups");
    QTest::newRow("64x256 4b g128") << 64 << 256 << 1024 << 4 << 128 << false << false << false;
    QTest::newRow("64x256 2b g128") << 64 << 256 << 1024 << 2 << 128 << false << false << false;
    QTest::newRow("64x256 3b g64") << 64 << 256 << 1024 << 3 << 64 << false << false << false;
    QTest::newRow("96x384 4b perchan") << 96 << 384 << 1024 << 4 << -1 << false << false << false;
    QTest::newRow("96x384 2b g32") << 96 << 384 << 1024 << 2 << 32 << false << false << false;
    QTest::newRow("64x256 4b sym") << 64 << 256 << 1024 << 4 << 128 << true << false << false;
    QTest::newRow("64x256 4b actorder") << 64 << 256 << 1024 << 4 << 128 << false << true << false;
    QTest::newRow("64x256 2b actorder") << 64 << 256 << 1024 << 2 << 64 << false << true << false;
    QTest::newRow("64x256 4b static") << 64 << 256 << 1024 << 4 << 64 << false << false << true;
    QTest::newRow("64x256 3b actorder+static")
        << 64 << 256 << 1024 << 3 << 64 << false << true << true;
    QTest::newRow("48x200 ragged g128 actorder")
        << 48 << 200 << 800 << 4 << 128 << false << true << false;
    QTest::newRow("128x512 8b g128") << 128 << 512 << 1536 << 8 << 128 << false << false << false;
    QTest::newRow("32x640 2b perchan actorder")
        << 32 << 640 << 1536 << 2 << -1 << false << true << false;
}

void TestGptq::beatsRtn()
{
    QFETCH(int, rows);
    QFETCH(int, cols);
    QFETCH(int, tokens);
    QFETCH(int, bits);
    QFETCH(int, groupSize);
    QFETCH(bool, sym);
    QFETCH(bool, actOrder);
    QFETCH(bool, staticGroups);
    const unsigned seed = unsigned(rows * 31 + cols * 7 + bits);
    const Mat w = gaussian(rows, cols, seed, 0.05f);
    const Mat x = activations(tokens, cols, seed + 10);
    const GptqQuantizer gptq = hessianOf(x, 4);
    QCOMPARE(gptq.samples(), std::int64_t(4));
    QCOMPARE(gptq.tokens(), std::int64_t(tokens));

    GptqOptions opt;
    opt.quant = QuantConfig{bits, groupSize, sym};
    opt.actOrder = actOrder;
    opt.staticGroups = staticGroups;
    const GptqResult res = gptq.quantize(w.view(), opt);
    validateQuantizedTensor(res.tensor);
    QCOMPARE(res.dampRetries, 0);
    QCOMPARE(res.dampPercent, 0.01);
    QCOMPARE(res.deadColumns, std::int64_t(0));
    QVERIFY(res.seconds >= 0.0);

    const Mat q = fromQuantized(res.tensor);
    const Mat rtn = fromQuantized(quantizeRtn(w.view(), opt.quant));
    const double gptqErr = outputError(w, q, x);
    const double rtnErr = outputError(w, rtn, x);
    qInfo("output error GPTQ %.5g  RTN %.5g  ratio %.3f", gptqErr, rtnErr, gptqErr / rtnErr);
    QVERIFY2(gptqErr <= rtnErr, qPrintable(QStringLiteral("GPTQ %1 > RTN %2").arg(gptqErr).arg(rtnErr)));

    // The reference's loss is half the damped quadratic error: the OBS updates are exact, so
    // sum (w-q)^2/d^2 = sum_rows (W-Q)(H + damp I)(W-Q)^T.
    const std::vector<float> hv = gptq.hessian();
    Eigen::Map<const RowMatrix> h(hv.data(), cols, cols);
    const double damp = res.dampPercent * double(h.diagonal().mean());
    const RowMatrix diff = w.eigen() - q.eigen();
    const double quad = double((diff * h * diff.transpose()).trace()) +
                        damp * double(diff.squaredNorm());
    QVERIFY2(std::fabs(res.loss - quad / 2.0) <= 2e-3 * quad,
             qPrintable(QStringLiteral("loss %1 vs %2").arg(res.loss).arg(quad / 2.0)));
    QCOMPARE(res.avgLoss, res.loss / 4.0);

    // Group layout: act-order without static groups gives g_idx by processing position.
    const QuantizedTensor &t = res.tensor;
    if (actOrder) {
        QCOMPARE(std::int64_t(t.perm.size()), std::int64_t(cols));
        for (int k = 1; k < cols; ++k)
            QVERIFY(h(t.perm[k - 1], t.perm[k - 1]) >= h(t.perm[k], t.perm[k]));
        const std::int64_t gs = groupSize > 0 ? groupSize : cols;
        for (int k = 0; k < cols; ++k)
            QCOMPARE(std::int64_t(t.gIdx[t.perm[k]]), staticGroups ? t.perm[k] / gs : k / gs);
        if (!staticGroups && groupSize > 0)
            QVERIFY(!t.hasTrivialGroups());
    } else {
        QVERIFY(t.perm.empty());
        QVERIFY(t.hasTrivialGroups());
    }
    // Static groups keep the grids RTN would pick on the unquantized weights.
    if (staticGroups) {
        const QuantizedTensor r = quantizeRtn(w.view(), opt.quant);
        QVERIFY(t.scales == r.scales);
        QVERIFY(t.zeros == r.zeros);
    }
}

void TestGptq::hessianIsRunningAverage()
{
    const Mat x = activations(300, 48, 77u);
    GptqQuantizer gptq(48);
    // Batches of 100 tokens counted as 1, 2 and 3 samples: H = 2/6 * sum X^T X.
    for (int b = 0; b < 3; ++b)
        gptq.addBatch(MatrixView{x.data.data() + b * 100 * 48, 100, 48}, b + 1);
    QCOMPARE(gptq.samples(), std::int64_t(6));
    const std::vector<float> hv = gptq.hessian();
    Eigen::Map<const RowMatrix> h(hv.data(), 48, 48);
    const RowMatrix expected = (2.0f / 6.0f) * (x.eigen().transpose() * x.eigen());
    QVERIFY((h - expected).norm() <= 1e-5f * expected.norm());
    QVERIFY((h - h.transpose()).norm() <= 1e-6f * expected.norm());
}

void TestGptq::choleskyFailureRaisesDamping_data()
{
    QTest::addColumn<unsigned>("seed");
    QTest::addColumn<bool>("actOrder");
    QTest::newRow("seed1") << 1u << false;
    QTest::newRow("seed2") << 2u << true;
    QTest::newRow("seed3") << 3u << false;
}

void TestGptq::choleskyFailureRaisesDamping()
{
    QFETCH(unsigned, seed);
    QFETCH(bool, actOrder);
    // 24 tokens for 128 inputs: X^T X has rank 24, so without damping H is singular.
    const Mat x = gaussian(24, 128, seed);
    const Mat w = gaussian(40, 128, seed + 5, 0.05f);
    const GptqQuantizer gptq = hessianOf(x, 1);
    GptqOptions opt;
    opt.quant = QuantConfig{3, 64, false};
    opt.actOrder = actOrder;
    opt.dampPercent = 0.0;
    std::vector<std::string> notes;
    const GptqResult res = gptq.quantize(w.view(), opt, [&](const Progress &p) {
        if (!p.detail.empty())
            notes.push_back(p.detail);
        return true;
    });
    QVERIFY(res.dampRetries >= 1);
    QCOMPARE(res.dampPercent, res.dampRetries * opt.dampIncrement);
    QCOMPARE(int(notes.size()), res.dampRetries); // each retry is reported
    QVERIFY(notes.front().find("Cholesky failed") != std::string::npos);
    validateQuantizedTensor(res.tensor);
    QVERIFY(std::isfinite(res.loss));
    const Mat q = fromQuantized(res.tensor);
    const Mat rtn = fromQuantized(quantizeRtn(w.view(), opt.quant));
    QVERIFY(outputError(w, q, x) <= outputError(w, rtn, x));

    // The default damping copes with the same rank-deficient inputs at once.
    const GptqResult plain = gptq.quantize(w.view(), GptqOptions{opt.quant});
    QCOMPARE(plain.dampRetries, 0);
}

void TestGptq::deadColumnsAreZeroed()
{
    Mat x = activations(256, 96, 5u);
    const std::vector<int> dead = {0, 17, 95};
    for (std::int64_t t = 0; t < x.rows; ++t) {
        for (int c : dead)
            x.data[t * x.cols + c] = 0.0f;
    }
    const Mat w = gaussian(32, 96, 6u, 0.05f);
    GptqOptions opt;
    opt.quant = QuantConfig{4, 32, false};
    opt.actOrder = true;
    const GptqResult res = hessianOf(x, 2).quantize(w.view(), opt);
    QCOMPARE(res.deadColumns, std::int64_t(dead.size()));
    const Mat q = fromQuantized(res.tensor);
    for (std::int64_t r = 0; r < q.rows; ++r) {
        for (int c : dead)
            QCOMPARE(q.data[r * q.cols + c], 0.0f);
    }
    const Mat rtn = fromQuantized(quantizeRtn(w.view(), opt.quant));
    QVERIFY(outputError(w, q, x) <= outputError(w, rtn, x));
}

void TestGptq::eightBitIsNearLossless()
{
    const Mat w = gaussian(64, 256, 12u, 0.05f);
    const Mat x = activations(512, 256, 13u);
    GptqOptions opt;
    opt.quant = QuantConfig{8, 128, false};
    const Mat q = fromQuantized(hessianOf(x, 1).quantize(w.view(), opt).tensor);
    const RowMatrix ref = x.eigen() * w.eigen().transpose();
    const double rel = std::sqrt(outputError(w, q, x)) / double(ref.norm());
    QVERIFY2(rel < 0.005, qPrintable(QString::number(rel)));
    QVERIFY(relativeError(w, q) < 0.02);
}

void TestGptq::cancels()
{
    const Mat w = gaussian(16, 512, 1u);
    const GptqQuantizer gptq = hessianOf(activations(128, 512, 2u), 1);
    GptqOptions opt;
    int calls = 0;
    QVERIFY_THROWS_EXCEPTION(lieq::Cancelled, gptq.quantize(w.view(), opt, [&](const Progress &p) {
        ++calls;
        return p.done < 256; // stop after the second block
    }));
    QCOMPARE(calls, 2);
}

void TestGptq::rejectsBadInput()
{
    const Mat w = gaussian(8, 64, 1u);
    GptqQuantizer empty(64);
    QVERIFY_THROWS_EXCEPTION(lieq::Error, empty.quantize(w.view(), GptqOptions{}));
    GptqQuantizer gptq(32);
    const Mat x = gaussian(10, 64, 2u);
    QVERIFY_THROWS_EXCEPTION(lieq::Error, gptq.addBatch(x.view()));
    gptq.addBatch(MatrixView{x.data.data(), 20, 32});
    QVERIFY_THROWS_EXCEPTION(lieq::Error, gptq.quantize(w.view(), GptqOptions{})); // 64 != 32
    const Mat w32 = gaussian(8, 32, 3u);
    GptqOptions bad;
    bad.quant.bits = 5;
    QVERIFY_THROWS_EXCEPTION(lieq::Error, gptq.quantize(w32.view(), bad));
    bad = GptqOptions{};
    bad.blockSize = 0;
    QVERIFY_THROWS_EXCEPTION(lieq::Error, gptq.quantize(w32.view(), bad));
    QVERIFY_THROWS_EXCEPTION(lieq::Error, GptqQuantizer(0));
}

QTEST_GUILESS_MAIN(TestGptq)
#include "tst_gptq.moc"
