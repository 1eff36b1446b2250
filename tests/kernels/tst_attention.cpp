// kernels::attendDecode (one query position per head over the KV rows, as decode runs it)
// against a double-precision softmax attention written out here, for the scalar reference and
// the AVX2 build: head sizes with and without 8/16-wide tails, GQA groups of 1..8 heads, one key
// and many, rows with padding (strides above the head size), scores large enough that a softmax
// without the max subtraction would overflow. Bad descriptions throw.
#include "kernels/attention.h"

#include <QTest>

#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

using namespace lieq::kernels;

namespace {

struct Case
{
    std::int64_t heads, headDim, keys, pad;
    float spread; // standard deviation of q and k
};

// Expected outputs [heads, headDim] in double.
std::vector<double> expected(const DecodeAttention &a)
{
    std::vector<double> out(std::size_t(a.heads * a.headDim), 0.0), s(std::size_t(a.keys));
    for (std::int64_t i = 0; i < a.heads; ++i) {
        double top = -INFINITY, sum = 0;
        for (std::int64_t t = 0; t < a.keys; ++t) {
            double d = 0;
            for (std::int64_t c = 0; c < a.headDim; ++c)
                d += double(a.q[i * a.qStride + c]) * a.k[t * a.kStride + c];
            s[std::size_t(t)] = d * a.scale;
            top = std::max(top, s[std::size_t(t)]);
        }
        for (double &x : s) {
            x = std::exp(x - top);
            sum += x;
        }
        for (std::int64_t t = 0; t < a.keys; ++t)
            for (std::int64_t c = 0; c < a.headDim; ++c)
                out[std::size_t(i * a.headDim + c)] += s[std::size_t(t)] / sum * a.v[t * a.vStride + c];
    }
    return out;
}

double nmseOf(const DecodeAttention &a, const std::vector<double> &want)
{
    double num = 0, den = 0;
    for (std::int64_t i = 0; i < a.heads; ++i)
        for (std::int64_t c = 0; c < a.headDim; ++c) {
            const double w = want[std::size_t(i * a.headDim + c)];
            const double e = a.out[i * a.outStride + c] - w;
            num += e * e;
            den += w * w;
        }
    return den > 0 ? num / den : num;
}

} // namespace

class TestAttention : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void matchesSoftmaxAttention_data()
    {
        QTest::addColumn<int>("heads");
        QTest::addColumn<int>("headDim");
        QTest::addColumn<int>("keys");
        QTest::addColumn<int>("pad");
        QTest::addColumn<float>("spread");
        const Case cases[] = {{1, 128, 1, 0, 1.0f},   {2, 128, 160, 0, 1.0f}, {2, 64, 33, 7, 1.0f},
                              {4, 80, 257, 16, 1.0f}, {8, 72, 5, 3, 1.0f},    {3, 13, 100, 1, 1.0f},
                              {1, 7, 2, 0, 1.0f},     {2, 128, 300, 0, 6.0f}, {1, 96, 1000, 32, 3.0f}};
        for (const Case &c : cases)
            QTest::newRow(qPrintable(QStringLiteral("h%1 d%2 keys%3 pad%4 s%5").arg(c.heads).arg(c.headDim).arg(c.keys).arg(c.pad).arg(double(c.spread))))
                << int(c.heads) << int(c.headDim) << int(c.keys) << int(c.pad) << c.spread;
    }

    void matchesSoftmaxAttention()
    {
        QFETCH(int, heads);
        QFETCH(int, headDim);
        QFETCH(int, keys);
        QFETCH(int, pad);
        QFETCH(float, spread);
        std::mt19937 rng(unsigned(heads * 1000 + headDim * 7 + keys));
        std::normal_distribution<float> nd(0.0f, spread), unit(0.0f, 1.0f);
        const std::int64_t row = headDim + pad;
        std::vector<float> q(std::size_t(heads * row)), k(std::size_t(keys * row)), v(k.size());
        for (float &x : q)
            x = nd(rng);
        for (float &x : k)
            x = nd(rng);
        for (float &x : v)
            x = unit(rng);
        DecodeAttention a;
        a.heads = heads;
        a.headDim = headDim;
        a.q = q.data();
        a.qStride = row;
        a.k = k.data();
        a.v = v.data();
        a.kStride = a.vStride = row;
        a.keys = keys;
        a.scale = 1.0f / std::sqrt(float(headDim));
        a.outStride = row;
        const std::vector<double> want = expected(a);
        for (Backend b : {Backend::Scalar, Backend::Avx2}) {
            // Padding between output rows must stay untouched.
            std::vector<float> out(std::size_t(heads * row), -7.0f);
            a.out = out.data();
            attendDecode(a, b);
            const double e = nmseOf(a, want);
            QVERIFY2(e < 1e-10, qPrintable(QStringLiteral("%1: NMSE %2 against the double softmax")
                                               .arg(QLatin1String(backendName(availableBackend(b)))).arg(e)));
            for (int i = 0; i < heads; ++i)
                for (int c = headDim; c < row; ++c)
                    QCOMPARE(out[std::size_t(i * row + c)], -7.0f);
        }
    }

    // One key: the output is that key's value row, exactly (weight exp(0) / exp(0) = 1).
    void singleKeyReturnsItsValue()
    {
        std::vector<float> q{1, 2, 3, 4, 5, 6, 7, 8, 9}, k{9, 8, 7, 6, 5, 4, 3, 2, 1},
            v{0.5f, -1, 2, 3, 4, 5, 6, 7, 8}, out(9, 0.0f);
        DecodeAttention a;
        a.heads = 1;
        a.headDim = 9;
        a.q = q.data();
        a.k = k.data();
        a.v = v.data();
        a.keys = 1;
        a.scale = 0.3f;
        a.out = out.data();
        for (Backend b : {Backend::Scalar, Backend::Avx2}) {
            std::fill(out.begin(), out.end(), 0.0f);
            attendDecode(a, b);
            for (int c = 0; c < 9; ++c)
                QCOMPARE(out[std::size_t(c)], v[std::size_t(c)]);
        }
    }

    void badDescriptionsThrow()
    {
        std::vector<float> buf(64, 0.0f);
        DecodeAttention a;
        a.heads = 2;
        a.headDim = 8;
        a.q = a.k = a.v = buf.data();
        a.out = buf.data();
        a.qStride = a.kStride = a.vStride = a.outStride = 8;
        a.keys = 0;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, attendDecode(a));
        a.keys = 2;
        a.kStride = 4; // rows would overlap
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, attendDecode(a));
        a.kStride = 8;
        a.v = nullptr;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, attendDecode(a));
    }
};

QTEST_GUILESS_MAIN(TestAttention)
#include "tst_attention.moc"
