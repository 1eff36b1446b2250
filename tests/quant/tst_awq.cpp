// AWQ: scale search + clipping beat plain RTN on activations with outlier channels, and
// folding the scales into the producing op leaves the float function unchanged.

#include "core/quant/awq.h"
#include "core/quant/rtn.h"
#include "core/quant/scale_folding.h"
#include "core/util/error.h"
#include "quant_fixtures.h"

#include <QTest>

#include <algorithm>

using namespace lieq;
using namespace lieq::test;

class TestAwq : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { useAllCores(); }

    void beatsRtnWithOutliers_data();
    void beatsRtnWithOutliers();
    void gridWithoutDuoStartsAtRtn();
    void clipSearch();
    void foldingIntoRmsNormKeepsFunction();
    void foldingIntoLinearKeepsFunction();
    void rejectsBadInput();
};

void TestAwq::beatsRtnWithOutliers_data()
{
    QTest::addColumn<int>("bits");
    QTest::addColumn<int>("groupSize");
    QTest::addColumn<bool>("duo");
    QTest::addColumn<int>("outliers");
    QTest::newRow("4b g128 duo") << 4 << 128 << true << 6;
    QTest::newRow("3b g64 duo") << 3 << 64 << true << 6;
    QTest::newRow("4b g64 plain") << 4 << 64 << false << 6;
    QTest::newRow("2b g64 duo") << 2 << 64 << true << 10;
    QTest::newRow("4b perchan duo") << 4 << -1 << true << 6;
}

void TestAwq::beatsRtnWithOutliers()
{
    QFETCH(int, bits);
    QFETCH(int, groupSize);
    QFETCH(bool, duo);
    QFETCH(int, outliers);
    const std::int64_t in = 256;
    const Mat x = activations(1024, in, 40u + unsigned(bits), outliers, 25.0f);
    // Three linears sharing the input, as q, k, v after input_layernorm.
    const std::vector<Mat> ws = {gaussian(128, in, 41u, 0.05f), gaussian(64, in, 42u, 0.05f),
                                 gaussian(64, in, 43u, 0.05f)};
    AwqOptions opt;
    opt.quant = QuantConfig{bits, groupSize, false};
    opt.duoScaling = duo;
    std::vector<MatrixView> views;
    for (const Mat &w : ws)
        views.push_back(w.view());
    const AwqScaleResult sr = awqSearchScales(x.view(), views, opt);
    QCOMPARE(std::int64_t(sr.scales.size()), in);
    QCOMPARE(int(sr.gridErrors.size()), opt.gridSize);
    const auto best = std::min_element(sr.gridErrors.begin(), sr.gridErrors.end());
    QCOMPARE(sr.error, *best);
    QCOMPARE(sr.alpha, double(best - sr.gridErrors.begin()) / opt.gridSize);
    for (float s : sr.scales)
        QVERIFY(std::isfinite(s) && s > 0.0f);
    QVERIFY2(sr.error < sr.unscaledError,
             qPrintable(QStringLiteral("%1 vs %2").arg(sr.error).arg(sr.unscaledError)));

    // The layer as AWQ leaves it: the input divided by s, each weight scaled, clipped, RTN.
    Mat xs = x;
    divideInputChannels(xs.span(), sr.scales);
    double awqErr = 0.0;
    double rtnErr = 0.0;
    for (const Mat &w : ws) {
        Mat scaled = w;
        scaleInputChannels(scaled.span(), sr.scales);
        const AwqClipResult clip = awqSearchClip(scaled.view(), xs.view(), opt);
        QVERIFY(clip.errorAfter <= clip.errorBefore);
        applyAwqClip(scaled.span(), clip);
        const Mat q = fromQuantized(quantizeRtn(scaled.view(), opt.quant));
        const RowMatrix ref = x.eigen() * w.eigen().transpose();
        awqErr += double((ref - xs.eigen() * q.eigen().transpose()).squaredNorm());
        rtnErr += outputError(w, fromQuantized(quantizeRtn(w.view(), opt.quant)), x);
    }
    qInfo("output error AWQ %.5g  RTN %.5g  ratio %.3f  alpha %.2f", awqErr, rtnErr,
          awqErr / rtnErr, sr.alpha);
    QVERIFY2(awqErr <= rtnErr, qPrintable(QStringLiteral("AWQ %1 > RTN %2").arg(awqErr).arg(rtnErr)));
}

void TestAwq::gridWithoutDuoStartsAtRtn()
{
    // Without duo scaling alpha = 0 gives s = 1: the first grid point is plain RTN, so the
    // chosen scales can never be worse than RTN on the search tokens.
    const Mat x = activations(512, 128, 7u, 3);
    const Mat w = gaussian(64, 128, 8u, 0.05f);
    AwqOptions opt;
    opt.duoScaling = false;
    opt.quant = QuantConfig{3, 64, false};
    opt.maxTokens = 200; // strided subset for the search
    const AwqScaleResult sr = awqSearchScales(x.view(), {w.view()}, opt);
    QCOMPARE(sr.gridErrors.front(), sr.unscaledError);
    QVERIFY(sr.error <= sr.unscaledError);
}

void TestAwq::clipSearch()
{
    const Mat w = gaussian(32, 192, 3u, 0.05f);
    const Mat x = activations(2048, 192, 4u);
    AwqOptions opt;
    opt.quant = QuantConfig{3, 64, false};
    const AwqClipResult clip = awqSearchClip(w.view(), x.view(), opt);
    QCOMPARE(clip.numGroups, std::int64_t(3));
    QCOMPARE(clip.groupSize, std::int64_t(64));
    QVERIFY(clip.errorAfter < clip.errorBefore);
    int clippedGroups = 0;
    for (std::int64_t r = 0; r < 32; ++r) {
        for (std::int64_t g = 0; g < 3; ++g) {
            float maxAbs = 0.0f;
            for (std::int64_t c = g * 64; c < (g + 1) * 64; ++c)
                maxAbs = std::max(maxAbs, std::fabs(w.data[r * 192 + c]));
            const float m = clip.maxValues[r * 3 + g];
            QVERIFY(m <= maxAbs);
            QVERIFY(m >= maxAbs * 0.55f * 0.9999f); // shrink at most 9/20
            clippedGroups += m < maxAbs ? 1 : 0;
        }
    }
    QVERIFY(clippedGroups > 0); // 3-bit Gaussian groups gain from some clipping

    Mat clipped = w;
    applyAwqClip(clipped.span(), clip);
    for (std::int64_t i = 0; i < std::int64_t(w.data.size()); ++i) {
        const float m = clip.maxValues[(i / 192) * 3 + (i % 192) / 64];
        QCOMPARE(clipped.data[i], std::clamp(w.data[i], -m, m));
    }
    Mat wrong = gaussian(32, 128, 5u);
    QVERIFY_THROWS_EXCEPTION(lieq::Error, applyAwqClip(wrong.span(), clip));
}

void TestAwq::foldingIntoRmsNormKeepsFunction()
{
    const std::int64_t in = 96;
    const Mat h = activations(64, in, 9u, 2); // residual stream
    Mat gamma = gaussian(1, in, 10u, 0.2f);
    for (float &g : gamma.data)
        g += 1.0f;
    const Mat w = gaussian(40, in, 11u, 0.05f);
    AwqOptions opt;
    const AwqScaleResult sr = awqSearchScales(h.view(), {w.view()}, opt);

    auto forward = [&](const Mat &normWeight, const Mat &weight) {
        RowMatrix y = h.eigen();
        for (std::int64_t t = 0; t < y.rows(); ++t) {
            const float rms = std::sqrt(y.row(t).squaredNorm() / float(in) + 1e-6f);
            for (std::int64_t c = 0; c < in; ++c)
                y(t, c) = normWeight.data[c] * y(t, c) / rms;
        }
        return RowMatrix(y * weight.eigen().transpose());
    };
    const RowMatrix before = forward(gamma, w);
    Mat gamma2 = gamma;
    Mat w2 = w;
    foldScalesIntoNorm(gamma2.data, sr.scales);
    scaleInputChannels(w2.span(), sr.scales);
    QVERIFY(gamma2.data != gamma.data); // something actually moved
    const RowMatrix after = forward(gamma2, w2);
    QVERIFY2((after - before).norm() <= 1e-5f * before.norm(),
             qPrintable(QString::number((after - before).norm() / before.norm())));

    // LayerNorm's bias is divided too: (g x + b) / s.
    std::vector<float> bias(in, 0.5f);
    std::vector<float> g3 = gamma.data;
    foldScalesIntoNorm(g3, sr.scales, bias);
    QCOMPARE(bias[3], 0.5f / sr.scales[3]);
}

void TestAwq::foldingIntoLinearKeepsFunction()
{
    // up_proj -> down_proj (or v_proj -> o_proj): the previous linear's rows absorb 1/s.
    const std::int64_t in = 64;
    const std::int64_t mid = 128;
    const Mat x = activations(50, in, 20u);
    const Mat a = gaussian(mid, in, 21u, 0.1f);
    const Mat b = gaussian(32, mid, 22u, 0.1f);
    std::vector<float> bias(mid);
    for (std::int64_t i = 0; i < mid; ++i)
        bias[i] = 0.01f * float(i);
    RowMatrix hidden = x.eigen() * a.eigen().transpose();
    hidden.rowwise() += Eigen::Map<const Eigen::RowVectorXf>(bias.data(), mid);
    const Mat hid{hidden.rows(), hidden.cols(),
                  std::vector<float>(hidden.data(), hidden.data() + hidden.size())};
    const AwqScaleResult sr = awqSearchScales(hid.view(), {b.view()}, AwqOptions{});
    const RowMatrix before = hidden * b.eigen().transpose();

    Mat a2 = a;
    Mat b2 = b;
    std::vector<float> bias2 = bias;
    foldScalesIntoLinear(a2.span(), sr.scales, bias2);
    scaleInputChannels(b2.span(), sr.scales);
    RowMatrix hidden2 = x.eigen() * a2.eigen().transpose();
    hidden2.rowwise() += Eigen::Map<const Eigen::RowVectorXf>(bias2.data(), mid);
    const RowMatrix after = hidden2 * b2.eigen().transpose();
    QVERIFY((after - before).norm() <= 1e-5f * before.norm());
    QVERIFY_THROWS_EXCEPTION(lieq::Error, foldScalesIntoLinear(b2.span(), sr.scales));
}

void TestAwq::rejectsBadInput()
{
    const Mat x = gaussian(16, 64, 1u);
    const Mat w = gaussian(8, 32, 2u);
    QVERIFY_THROWS_EXCEPTION(lieq::Error, awqSearchScales(x.view(), {w.view()}, AwqOptions{}));
    QVERIFY_THROWS_EXCEPTION(lieq::Error, awqSearchScales(x.view(), {}, AwqOptions{}));
    QVERIFY_THROWS_EXCEPTION(lieq::Error, awqSearchClip(w.view(), x.view(), AwqOptions{}));
    Mat w2 = gaussian(8, 64, 3u);
    std::vector<float> scales(32, 1.0f);
    QVERIFY_THROWS_EXCEPTION(lieq::Error, scaleInputChannels(w2.span(), scales));
}

QTEST_GUILESS_MAIN(TestAwq)
#include "tst_awq.moc"
