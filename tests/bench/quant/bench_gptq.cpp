// GPTQ wall time on layer shapes of a small LLM, with calibration of 128 x 512 tokens, as a
// ratio to one forward matmul X W^T of the same shapes measured in the same run. Prints
// figures; fails only if the quantizer's output is invalid, never on timings.
// LIEQ_BENCH_SAMPLES overrides the 128 calibration sequences (e.g. 16 for a quick look).

#include "core/quant/gptq_impl.h"
#include "core/quant/rtn.h"

#include <QElapsedTimer>
#include <QTest>
#include <QThread>

#include <algorithm>
#include <vector>

using namespace lieq;

namespace {

constexpr std::int64_t kSeqLen = 512;

std::int64_t samples()
{
    const int env = qEnvironmentVariableIntValue("LIEQ_BENCH_SAMPLES");
    return env > 0 ? env : 128;
}

template<typename Fn>
double secondsOf(Fn fn)
{
    QElapsedTimer timer;
    timer.start();
    fn();
    return double(timer.nsecsElapsed()) * 1e-9;
}

// Best of `reps` runs: the baseline should not carry one-off warm-up costs.
template<typename Fn>
double bestOf(int reps, Fn fn)
{
    double best = 1e30;
    for (int i = 0; i < reps; ++i)
        best = std::min(best, secondsOf(fn));
    return best;
}

} // namespace

class BenchGptq : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        torch::set_num_threads(std::max(1, QThread::idealThreadCount()));
        torch::manual_seed(0);
    }
    void gptqVersusMatmul_data();
    void gptqVersusMatmul();
};

void BenchGptq::gptqVersusMatmul_data()
{
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::addColumn<bool>("actOrder");
    QTest::newRow("1024x1024") << 1024 << 1024 << false;
    QTest::newRow("1024x1024 act-order") << 1024 << 1024 << true;
    QTest::newRow("3072x1024") << 3072 << 1024 << false;
}

void BenchGptq::gptqVersusMatmul()
{
    QFETCH(int, rows);
    QFETCH(int, cols);
    QFETCH(bool, actOrder);
    const std::int64_t n = samples();
    const torch::Tensor x = torch::randn({n, kSeqLen, cols}); // calibration inputs
    const torch::Tensor w = torch::randn({rows, cols}) * 0.02;
    const torch::Tensor xFlat = x.reshape({-1, cols});

    torch::Tensor y;
    const double matmul = bestOf(3, [&] { y = torch::mm(xFlat, w.t()); });

    GptqHessian hessian(cols);
    const double accumulate = secondsOf([&] {
        for (std::int64_t i = 0; i < n; ++i)
            hessian.addBatch(x[i]);
    });
    GptqOptions opt;
    opt.actOrder = actOrder;
    GptqResult res;
    const double quantize =
        secondsOf([&] { res = gptqQuantize(w, hessian.matrix(), hessian.samples(), opt); });
    validateQuantizedTensor(res.tensor);
    const torch::Tensor wc = w.contiguous();
    const double rtn = bestOf(3, [&] {
        quantizeRtn(MatrixView{wc.data_ptr<float>(), rows, cols}, opt.quant);
    });

    qInfo("GPTQ %dx%d%s, %lld x %lld tokens, %d threads:", rows, cols,
          actOrder ? " act-order" : "", static_cast<long long>(n),
          static_cast<long long>(kSeqLen), torch::get_num_threads());
    qInfo("  matmul X W^T (baseline)     %8.3f s  %6.1f GFLOP/s", matmul,
          2.0 * double(n * kSeqLen) * rows * cols / matmul * 1e-9);
    qInfo("  Hessian accumulation        %8.3f s  %6.2f x matmul", accumulate,
          accumulate / matmul);
    qInfo("  GPTQ quantize (damp %.2f)   %8.3f s  %6.2f x matmul", res.dampPercent, quantize,
          quantize / matmul);
    qInfo("  GPTQ total                  %8.3f s  %6.2f x matmul", accumulate + quantize,
          (accumulate + quantize) / matmul);
    qInfo("  RTN (for scale)             %8.3f s  %6.3f x matmul", rtn, rtn / matmul);
    qInfo("  avg loss %.6g", res.avgLoss);
}

QTEST_GUILESS_MAIN(BenchGptq)
#include "bench_gptq.moc"
