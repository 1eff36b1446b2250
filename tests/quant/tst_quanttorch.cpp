// The torch-level entry points the in-core pipeline uses (gptq_impl.h, awq_impl.h,
// torch_bridge_impl.h) agree with the std-typed public API and accept checkpoint dtypes.

#include "core/quant/awq_impl.h"
#include "core/quant/gptq_impl.h"
#include "core/quant/rtn.h"
#include "core/quant/torch_bridge_impl.h"
#include "core/util/error.h"

#include <QTest>
#include <QThread>

using namespace lieq;

class TestQuantTorch : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        torch::set_num_threads(std::max(1, QThread::idealThreadCount()));
        torch::manual_seed(7);
    }
    void hessianCountsBatchSamples();
    void gptqMatchesPublicApi();
    void inverseFactorMatchesReference_data();
    void inverseFactorMatchesReference();
    void inverseFactorRefusesIndefinite();
    void inverseFactorTorchRouteAgrees();
    void torchRouteDampsAndRefusesAlike();
    void bf16WeightsComputeInFp32();
    void awqMatchesPublicApi();
    void bridge();
};

void TestQuantTorch::hessianCountsBatchSamples()
{
    const torch::Tensor x = torch::randn({3, 20, 16});
    GptqHessian h(16);
    h.addBatch(x); // [batch, tokens, in]: 3 samples
    h.addBatch(x[0]); // [tokens, in]: 1 sample
    QCOMPARE(h.samples(), std::int64_t(4));
    QCOMPARE(h.tokens(), std::int64_t(80));
    const torch::Tensor flat = torch::cat({x.reshape({-1, 16}), x[0]}, 0);
    const torch::Tensor expected = flat.t().mm(flat) * (2.0 / 4.0);
    QVERIFY(torch::allclose(h.matrix(), expected, 1e-4, 1e-4));
    QVERIFY_THROWS_EXCEPTION(lieq::Error, h.addBatch(torch::randn({5, 8})));
}

void TestQuantTorch::gptqMatchesPublicApi()
{
    const torch::Tensor x = torch::randn({256, 64}).contiguous();
    const torch::Tensor w = (torch::randn({32, 64}) * 0.05).contiguous();
    GptqHessian h(64);
    h.addBatch(x);
    GptqOptions opt;
    opt.quant = QuantConfig{4, 32, false};
    opt.actOrder = true;
    const GptqResult a = gptqQuantize(w, h.matrix(), h.samples(), opt);

    GptqQuantizer pub(64);
    pub.addBatch(viewOf(x));
    const GptqResult b = pub.quantize(viewOf(w), opt);
    QVERIFY(a.tensor.codes == b.tensor.codes);
    QVERIFY(a.tensor.scales == b.tensor.scales);
    QVERIFY(a.tensor.gIdx == b.tensor.gIdx);
    QVERIFY(a.tensor.perm == b.tensor.perm);
    QCOMPARE(a.loss, b.loss);
    QVERIFY(torch::equal(dequantizeTensor(a.tensor),
                         torch::from_blob(dequantize(b.tensor).data(), {32, 64}).clone()));
}

void TestQuantTorch::bf16WeightsComputeInFp32()
{
    const torch::Tensor w = (torch::randn({16, 128}) * 0.05).to(torch::kBFloat16);
    const torch::Tensor x = torch::randn({2, 64, 128}).to(torch::kBFloat16);
    GptqHessian h(128);
    h.addBatch(x);
    QCOMPARE(h.matrix().scalar_type(), torch::kFloat32);
    const GptqResult r = gptqQuantize(w, h.matrix(), h.samples(), GptqOptions{});
    validateQuantizedTensor(r.tensor);
    // The same weights in fp32 give the same result: bf16 is only the storage format.
    const GptqResult f =
        gptqQuantize(w.to(torch::kFloat32), h.matrix(), h.samples(), GptqOptions{});
    QVERIFY(r.tensor.codes == f.tensor.codes);
    const QuantizedTensor rtn = quantizeRtn(w, QuantConfig{});
    QVERIFY(rtn.codes == quantizeRtn(w.to(torch::kFloat32), QuantConfig{}).codes);
}

void TestQuantTorch::awqMatchesPublicApi()
{
    torch::Tensor x = torch::randn({200, 64}).contiguous();
    x.index_put_({torch::indexing::Slice(), 3}, x.index({torch::indexing::Slice(), 3}) * 30);
    const torch::Tensor w1 = (torch::randn({48, 64}) * 0.05).contiguous();
    const torch::Tensor w2 = (torch::randn({16, 64}) * 0.05).contiguous();
    AwqOptions opt;
    opt.quant = QuantConfig{3, 32, false};
    const AwqScaleResult a = awqSearchScales(x, {w1, w2}, opt);
    const AwqScaleResult b = awqSearchScales(viewOf(x), {viewOf(w1), viewOf(w2)}, opt);
    QCOMPARE(a.scales, b.scales);
    QCOMPARE(a.alpha, b.alpha);
    // The outlier channel gets the largest scale (its weights are protected by it).
    QCOMPARE(torch::from_blob(const_cast<float *>(a.scales.data()), {64}).argmax().item<int>(), 3);
    const AwqClipResult c = awqSearchClip(w1, x, opt);
    QCOMPARE(c.maxValues, awqSearchClip(viewOf(w1), viewOf(x), opt).maxValues);
    QCOMPARE(strideTokens(x, 50).size(0), std::int64_t(50));
    QCOMPARE(strideTokens(x, 0).size(0), std::int64_t(200));
}

void TestQuantTorch::bridge()
{
    torch::Tensor w = torch::randn({8, 40});
    const QuantizedTensor q = quantizeRtn(w, QuantConfig{2, 16, true});
    const torch::Tensor deq = dequantizeTensor(q);
    QCOMPARE(deq.sizes().vec(), (std::vector<std::int64_t>{8, 40}));
    QVERIFY(torch::equal(fakeQuantize(w, QuantConfig{2, 16, true}), deq));
    MatrixSpan span = spanOf(w);
    QCOMPARE(span.rows, std::int64_t(8));
    QVERIFY_THROWS_EXCEPTION(lieq::Error, viewOf(w.to(torch::kBFloat16)));
    QVERIFY_THROWS_EXCEPTION(lieq::Error, viewOf(w.t()));
}

void TestQuantTorch::inverseFactorMatchesReference_data()
{
    QTest::addColumn<int>("n");
    // Below, at and above the size factored directly, and split unevenly at several depths.
    for (int n : {1, 7, 192, 193, 500, 1031})
        QTest::addRow("n=%d", n) << n;
}

void TestQuantTorch::inverseFactorMatchesReference()
{
    QFETCH(int, n);
    // A Hessian-like matrix: X^T X of correlated inputs plus 1% damping, in fp32 as GPTQ uses.
    const torch::Tensor x = torch::randn({2 * n + 16, n}, torch::kFloat64) +
                            0.5 * torch::randn({2 * n + 16, 1}, torch::kFloat64);
    torch::Tensor h = x.t().mm(x) / double(x.size(0));
    h.diagonal().add_(0.01 * h.diagonal().mean().item<double>());
    const auto f = gptqInverseFactor(h.to(torch::kFloat32));
    QVERIFY(f.has_value());
    const torch::Tensor u = f->upper.to(torch::kFloat64);
    QCOMPARE(u.sizes(), h.sizes());
    // Upper triangular with a positive diagonal: the unique Cholesky factor of H^-1.
    QCOMPARE(torch::tril(u, -1).abs().max().item<double>(), 0.0);
    QVERIFY(u.diagonal().min().item<double>() > 0);
    // Against the exact factor (fp64), no less accurate than the fp32 route it replaces
    // (potrf, potri, potrf of the inverse), within a factor 2 and a small absolute margin.
    const torch::Tensor exact = torch::linalg_cholesky(torch::linalg_inv(h), /*upper=*/true);
    const torch::Tensor h32 = h.to(torch::kFloat32);
    const torch::Tensor before = torch::linalg_cholesky(
        torch::cholesky_inverse(torch::linalg_cholesky(h32)), /*upper=*/true).to(torch::kFloat64);
    auto relative = [&exact](const torch::Tensor &t) {
        return ((t - exact).norm() / exact.norm()).item<double>();
    };
    const double ours = relative(u), theirs = relative(before);
    QVERIFY2(ours < 2 * theirs + 1e-5,
             qPrintable(QString("relative error %1 against %2 before").arg(ours).arg(theirs)));
    QVERIFY(f->minPivotSquared > 0);
}

void TestQuantTorch::inverseFactorRefusesIndefinite()
{
    // Indefinite in the first half and in the Schur complement of the second (both paths fail).
    for (int n : {8, 400}) {
        torch::Tensor h = torch::eye(n);
        h.index_put_({n - 1, n - 1}, -1.0f);
        QVERIFY(!gptqInverseFactor(h).has_value());
        h = torch::eye(n);
        h.index_put_({0, 0}, -1.0f);
        QVERIFY(!gptqInverseFactor(h).has_value());
    }
}

namespace {

// Forces gptqInverseFactor's torch fallback (the route without LAPACK's symbols) while alive.
struct TorchFactorRoute
{
    TorchFactorRoute() { setGptqFactorRoute(GptqFactorRoute::Torch); }
    ~TorchFactorRoute() { setGptqFactorRoute(GptqFactorRoute::Auto); }
};

} // namespace

void TestQuantTorch::inverseFactorTorchRouteAgrees()
{
    if (!gptqLapackFactorAvailable())
        qWarning("no LAPACK spotrf_/strtri_ in this process: both routes are torch's");
    for (int n : {1, 7, 200, 513}) {
        const torch::Tensor x = torch::randn({n + 32, n}) + 0.5 * torch::randn({n + 32, 1});
        torch::Tensor h = x.t().mm(x) / double(x.size(0));
        h.diagonal().add_(0.01 * h.diagonal().mean().item<double>());
        const auto lapackFactor = gptqInverseFactor(h);
        std::optional<GptqInverseFactor> torchFactor;
        {
            const TorchFactorRoute route;
            torchFactor = gptqInverseFactor(h);
        }
        QVERIFY(lapackFactor && torchFactor);
        const torch::Tensor a = lapackFactor->upper, b = torchFactor->upper;
        QCOMPARE(a.sizes(), b.sizes());
        QCOMPARE(torch::tril(b, -1).abs().max().item<float>(), 0.0f);
        const double diff = ((a - b).norm() / a.norm()).item<double>();
        QVERIFY2(diff < 1e-4, qPrintable(QString("n=%1: routes differ by %2").arg(n).arg(diff)));
        // Different routes round differently: the switch took effect.
        if (n >= 200 && gptqLapackFactorAvailable())
            QVERIFY(diff > 0);
        QVERIFY(std::abs(lapackFactor->minPivotSquared / torchFactor->minPivotSquared - 1) < 1e-3);
    }
    // Not positive definite: no factor on either route.
    torch::Tensor bad = torch::eye(50);
    bad.index_put_({20, 20}, -1.0f);
    const TorchFactorRoute route;
    QVERIFY(!gptqInverseFactor(bad).has_value());
}

void TestQuantTorch::torchRouteDampsAndRefusesAlike()
{
    // Rank 8 of 48 without damping: the factor fails (or is singular) and GPTQ retries once at
    // the next damping step, reporting it; both routes alike.
    const torch::Tensor x = torch::randn({8, 48});
    const torch::Tensor singular = x.t().mm(x);
    GptqOptions opt;
    opt.dampPercent = 0.0;
    const auto prepare = [&opt](const torch::Tensor &h, std::vector<std::string> &notes) {
        return gptqPrepareHessian(h, opt, [&notes](const Progress &p) {
            notes.push_back(p.detail);
            return true;
        });
    };
    std::vector<std::string> lapackNotes, torchNotes;
    const GptqPreparedHessian a = prepare(singular, lapackNotes);
    const TorchFactorRoute route;
    const GptqPreparedHessian b = prepare(singular, torchNotes);
    QCOMPARE(b.dampRetries, a.dampRetries);
    QCOMPARE(b.dampPercent, a.dampPercent);
    QVERIFY(b.dampRetries >= 1);
    QCOMPARE(torchNotes.size(), std::size_t(b.dampRetries));
    QVERIFY(torchNotes.front().rfind("Cholesky failed at damping 0", 0) == 0);
    QVERIFY(((a.hinv - b.hinv).norm() / a.hinv.norm()).item<double>() < 1e-3);
    // An eigenvalue of -1 at mean(diag H) = 1: no damping below 1 helps, an error names it.
    torch::Tensor indefinite = torch::eye(16);
    indefinite.index_put_({0, 1}, 2.0f);
    indefinite.index_put_({1, 0}, 2.0f);
    try {
        prepare(indefinite, torchNotes);
        QFAIL("an indefinite Hessian was accepted");
    } catch (const lieq::Error &e) {
        QVERIFY2(std::string(e.what()).find("not positive definite") != std::string::npos, e.what());
    }
}

QTEST_GUILESS_MAIN(TestQuantTorch)
#include "tst_quanttorch.moc"
