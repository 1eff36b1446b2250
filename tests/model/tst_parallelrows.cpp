// The decoder's element-wise steps split over the pool (core/model/parallel_rows_impl.h) give
// the same bits as the unsplit operations of tensor_ops_impl.h at every thread count, for shapes
// below and above the split threshold, odd row counts included.
#include "core/io/checkpoint.h"
#include "core/model/compute_threads.h"
#include "core/model/model.h"
#include "core/model/parallel_ops_impl.h"
#include "core/model/parallel_rows_impl.h"
#include "core/model/tensor_ops_impl.h"

#include "core/util/error.h"
#include "tests/support/tiny_checkpoint.h"

#include <QTemporaryDir>
#include <QTest>

#include <fstream>
#include <limits>

using namespace lieq;

namespace {

torch::Tensor randn(std::vector<std::int64_t> shape, std::uint64_t seed)
{
    torch::manual_seed(seed);
    return torch::randn(shape, torch::kFloat32);
}

// The reference: the decoder's steps as written before the split.
AttentionInputs referenceInputs(const torch::Tensor &q, const torch::Tensor &k,
                                const torch::Tensor &v, const torch::Tensor &qNorm,
                                const torch::Tensor &kNorm, double eps, const torch::Tensor &cos,
                                const torch::Tensor &sin)
{
    const std::int64_t T = q.size(1), half = q.size(3) / 2;
    const torch::Tensor c = cos.view({1, T, 1, half}), s = sin.view({1, T, 1, half});
    const torch::Tensor qn = qNorm.defined() ? rmsNorm(q, qNorm, eps) : q;
    const torch::Tensor kn = kNorm.defined() ? rmsNorm(k, kNorm, eps) : k;
    return {applyRope(qn, c, s).permute({0, 2, 1, 3}).contiguous(),
            applyRope(kn, c, s).permute({0, 2, 1, 3}).contiguous(),
            v.permute({0, 2, 1, 3}).contiguous()};
}

torch::Tensor into0()
{
    return torch::zeros({3, 3});
}

} // namespace

class TestParallelRows : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cleanupTestCase() { setComputeThreads(1); }

    void sameBitsAsUnsplit_data()
    {
        QTest::addColumn<int>("threads");
        QTest::addColumn<int>("batch");
        QTest::addColumn<int>("tokens");
        QTest::addColumn<bool>("headNorms");
        for (int threads : {1, 2, 3})
            for (int tokens : {1, 7, 129, 600}) {
                const QByteArray name = QByteArray::number(threads) + " threads, " +
                                        QByteArray::number(tokens) + " tokens";
                QTest::newRow(QByteArray(name + ", qk norms").constData()) << threads << 2 << tokens << true;
                QTest::newRow(QByteArray(name + ", plain").constData()) << threads << 1 << tokens << false;
            }
    }

    void sameBitsAsUnsplit()
    {
        QFETCH(int, threads);
        QFETCH(int, batch);
        QFETCH(int, tokens);
        QFETCH(bool, headNorms);
        setComputeThreads(threads);
        const std::int64_t B = batch, T = tokens, nh = 6, nkv = 2, D = 24, H = 200, F = 330;
        const double eps = 1e-6;

        const torch::Tensor hidden = randn({B, T, H}, 1), norm = randn({H}, 2);
        QVERIFY(torch::equal(parallelRmsNorm(hidden, norm, eps), rmsNorm(hidden, norm, eps)));

        const torch::Tensor q = randn({B, T, nh, D}, 3), k = randn({B, T, nkv, D}, 4),
                            v = randn({B, T, nkv, D}, 5);
        const torch::Tensor qNorm = headNorms ? randn({D}, 6) : torch::Tensor();
        const torch::Tensor kNorm = headNorms ? randn({D}, 7) : torch::Tensor();
        const torch::Tensor cos = randn({T, D / 2}, 8), sin = randn({T, D / 2}, 9);
        const AttentionInputs got = parallelAttentionInputs(q, k, v, qNorm, kNorm, eps, cos, sin);
        const AttentionInputs want = referenceInputs(q, k, v, qNorm, kNorm, eps, cos, sin);
        QVERIFY(got.q.is_contiguous() && got.k.is_contiguous() && got.v.is_contiguous());
        QVERIFY(torch::equal(got.q, want.q));
        QVERIFY(torch::equal(got.k, want.k));
        QVERIFY(torch::equal(got.v, want.v));

        const torch::Tensor gate = randn({B, T, F}, 10), up = randn({B, T, F}, 11);
        torch::Tensor act = gate.clone();
        QVERIFY(torch::equal(parallelSiluMul_(act, up), torch::silu(gate) * up));

        torch::Tensor sum = gate.clone();
        QVERIFY(torch::equal(parallelAdd_(sum, up), up + gate));
    }

    void nonContiguousOperandsAreCopied()
    {
        setComputeThreads(2);
        const torch::Tensor base = randn({300, 400}, 12), up = randn({400, 300}, 13);
        torch::Tensor gate = base.t(); // [400, 300], not contiguous
        const torch::Tensor want = torch::silu(base.t()) * up;
        QVERIFY(torch::equal(parallelSiluMul_(gate, up), want));
        QVERIFY(gate.is_contiguous());
        QVERIFY(torch::equal(base, randn({300, 400}, 12))); // the source is left alone
    }

    // Weights are widened to fp32 and checked for NaN/Inf in chunks over the pool: a bf16 model
    // whose MLP matrices span several chunks gives the logits of 1 thread at 2 threads, and a NaN
    // in the last element of such a matrix is still found.
    void largeWeightsConvertAndCheckInChunks()
    {
        QTemporaryDir tmp;
        test::TinyModelSpec spec;
        spec.dtype = DType::BF16;
        spec.tokenizer = test::TinyTokenizer::None;
        spec.vocabSize = 64;
        spec.hidden = 256;
        spec.intermediate = 2560; // 655360 elements per MLP matrix: three chunks of 2^18
        spec.layers = 1;
        const std::string dir = test::writeTinyCheckpoint(tmp.filePath("m").toStdString(), spec);
        const std::vector<std::int32_t> ids = {1, 5, 9, 13, 17, 21};
        torch::Tensor logits[2];
        for (int threads : {1, 2}) {
            setComputeThreads(threads);
            logits[threads - 1] = torch::tensor(Model::load(dir)->logits(ids));
        }
        // (Not bit-equal: BLAS may round a product split over threads differently.)
        QVERIFY(torch::allclose(logits[0], logits[1], 1e-5, 1e-5));

        const std::string name = "model.layers.0.mlp.down_proj.weight";
        std::size_t offset = 0, bytes = 0;
        std::string file;
        {
            const Checkpoint ck(dir);
            offset = ck.tensor(name).fileOffset;
            bytes = ck.tensor(name).nbytes;
            file = ck.tensor(name).file;
        }
        {
            std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
            f.seekp(std::streamoff(offset + bytes - 2));
            const unsigned char nanBf16[2] = {0xc0, 0x7f}; // 0x7fc0, little-endian
            f.write(reinterpret_cast<const char *>(nanBf16), 2);
        }
        setComputeThreads(2);
        try {
            Model::load(dir)->logits(ids);
            QFAIL("a NaN weight was not refused");
        } catch (const Error &e) {
            const QString what = QString::fromStdString(e.what());
            QVERIFY2(what.contains(QString::fromStdString(name)) && what.contains(QLatin1String("1 NaN")),
                     qPrintable(what));
        }
    }

    // The split copies, checks and sums of the backends (core/model/parallel_ops_impl.h).
    void splitCopiesChecksAndSums()
    {
        const torch::Tensor a = randn({700, 333}, 20), b = randn({700, 333}, 21);
        double sums[3] = {};
        for (int threads : {1, 2, 3}) {
            setComputeThreads(threads);
            // A transposed (strided) source, widened from bf16, copied exactly.
            const torch::Tensor t = a.to(torch::kBFloat16).t();
            const torch::Tensor c = parallelContiguousCopy(t);
            QVERIFY(c.is_contiguous() && c.scalar_type() == torch::kFloat32);
            QVERIFY(torch::equal(c, t.to(torch::kFloat32)));
            torch::Tensor into = torch::zeros({333, 700});
            parallelCopy_(into.narrow(1, 0, 700), a.t());
            QVERIFY(torch::equal(into, a.t()));

            QVERIFY(parallelAllFinite(a));
            for (std::int64_t at : {std::int64_t(0), a.numel() / 2, a.numel() - 1}) {
                torch::Tensor bad = a.clone();
                bad.view({-1})[at] = at % 2 ? std::numeric_limits<float>::infinity()
                                            : std::numeric_limits<float>::quiet_NaN();
                QVERIFY2(!parallelAllFinite(bad), qPrintable(QString::number(at)));
            }

            sums[threads - 1] = parallelDotSum(a, b);
        }
        // Fixed chunks summed in order: the same sum at every thread count, and the true one.
        QCOMPARE(sums[1], sums[0]);
        QCOMPARE(sums[2], sums[0]);
        const double exact = (a.to(torch::kFloat64) * b.to(torch::kFloat64)).sum().item<double>();
        QVERIFY(std::abs(sums[0] - exact) < 1e-4 * std::max(1.0, std::abs(exact)));
        QVERIFY_THROWS_EXCEPTION(std::exception, parallelDotSum(a, b.t()));
        QVERIFY_THROWS_EXCEPTION(std::exception, parallelCopy_(into0(), a));
    }

    void shapeMismatchIsRefused()
    {
        torch::Tensor a = torch::zeros({4, 5});
        QVERIFY_THROWS_EXCEPTION(std::exception, parallelAdd_(a, torch::zeros({4, 6})));
        QVERIFY_THROWS_EXCEPTION(std::exception, parallelSiluMul_(a, torch::zeros({5, 4})));
        QVERIFY_THROWS_EXCEPTION(
            std::exception,
            parallelAttentionInputs(torch::zeros({1, 3, 2, 8}), torch::zeros({1, 3, 1, 8}),
                                    torch::zeros({1, 3, 1, 8}), {}, {}, 1e-6,
                                    torch::zeros({2, 4}), torch::zeros({2, 4})));
    }
};

QTEST_APPLESS_MAIN(TestParallelRows)
#include "tst_parallelrows.moc"
