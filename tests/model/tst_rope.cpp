// Rotary frequencies: default, linear and llama3 scaling, against the formulas written out here
// independently (vectorised like the HF reference, in double).
#include "core/io/model_config.h"
#include "core/model/rope.h"
#include "core/util/error.h"

#include <QTest>

#include <cmath>
#include <numbers>

using namespace lieq;

namespace {

std::vector<double> plainFrequencies(double theta, int dim)
{
    std::vector<double> f;
    for (int i = 0; i < dim; i += 2)
        f.push_back(std::pow(theta, -static_cast<double>(i) / dim));
    return f;
}

// llama3: where(wavelen > low_wavelen, f / factor, f), then the medium band replaced by the
// smoothed value; the same steps as transformers' _compute_llama3_parameters.
std::vector<double> llama3Frequencies(std::vector<double> f, double factor, double low, double high,
                                      double oldCtx, int *bands)
{
    const double lowWavelen = oldCtx / low, highWavelen = oldCtx / high;
    for (double &x : f) {
        const double wavelen = 2 * std::numbers::pi / x;
        const double scaled = wavelen > lowWavelen ? x / factor : x;
        const double smooth = (oldCtx / wavelen - low) / (high - low);
        const double smoothed = (1 - smooth) * scaled / factor + smooth * scaled;
        const bool medium = !(wavelen < highWavelen) && !(wavelen > lowWavelen);
        bands[wavelen < highWavelen ? 0 : (medium ? 1 : 2)]++;
        x = medium ? smoothed : scaled;
    }
    return f;
}

} // namespace

class TestRope : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void frequencies_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<double>("theta");
        QTest::addColumn<int>("dim");
        QTest::addColumn<double>("factor");
        QTest::addColumn<int>("originalContext");
        QTest::newRow("default-10k-d16") << QString() << 10000.0 << 16 << 1.0 << 0;
        QTest::newRow("qwen3-1M-d128") << QString() << 1000000.0 << 128 << 1.0 << 0;
        QTest::newRow("linear-x4") << QStringLiteral("linear") << 10000.0 << 64 << 4.0 << 0;
        QTest::newRow("llama3-tiny") << QStringLiteral("llama3") << 10000.0 << 16 << 8.0 << 64;
        QTest::newRow("llama3.1-8b") << QStringLiteral("llama3") << 500000.0 << 128 << 8.0 << 8192;
        QTest::newRow("llama3.2-1b") << QStringLiteral("llama3") << 500000.0 << 64 << 32.0 << 8192;
    }

    void frequencies()
    {
        QFETCH(QString, type);
        QFETCH(double, theta);
        QFETCH(int, dim);
        QFETCH(double, factor);
        QFETCH(int, originalContext);
        ModelConfig c;
        c.headDim = dim;
        c.ropeTheta = theta;
        c.ropeScaling.type = type.toStdString();
        c.ropeScaling.factor = factor;
        c.ropeScaling.lowFreqFactor = 1.0;
        c.ropeScaling.highFreqFactor = 4.0;
        c.ropeScaling.originalMaxPositionEmbeddings = originalContext;

        std::vector<double> want = plainFrequencies(theta, dim);
        int bands[3] = {0, 0, 0};
        if (type == QLatin1String("linear"))
            for (double &f : want)
                f /= factor;
        else if (type == QLatin1String("llama3"))
            want = llama3Frequencies(want, factor, 1.0, 4.0, originalContext, bands);

        const std::vector<double> got = ropeInverseFrequencies(c);
        QCOMPARE(got.size(), want.size());
        for (std::size_t i = 0; i < got.size(); ++i)
            QVERIFY2(std::abs(got[i] - want[i]) <= 1e-12 * want[i],
                     qPrintable(QStringLiteral("i=%1: %2 vs %3").arg(i).arg(got[i]).arg(want[i])));
        if (type == QLatin1String("llama3")) {
            // The fixture must exercise all three bands (kept, blended, slowed).
            QVERIFY(bands[0] > 0 && bands[1] > 0 && bands[2] > 0);
            QVERIFY(got.back() < plainFrequencies(theta, dim).back());
        }
    }

    void badConfigs()
    {
        ModelConfig c;
        c.headDim = 15;
        QVERIFY_THROWS_EXCEPTION(Error, ropeInverseFrequencies(c));
        c.headDim = 16;
        c.ropeScaling.type = "yarn";
        QVERIFY_THROWS_EXCEPTION(Error, ropeInverseFrequencies(c));
    }
};

QTEST_GUILESS_MAIN(TestRope)
#include "tst_rope.moc"
