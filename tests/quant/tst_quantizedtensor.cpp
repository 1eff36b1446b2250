// QuantizedTensor + RTN: the representation is exact, the grid round-trips, 8 bits is
// near-lossless, validation catches corrupt tensors.

#include "core/quant/quant_grid.h"
#include "core/quant/rtn.h"
#include "core/util/error.h"
#include "quant_fixtures.h"

#include <QTest>

using namespace lieq;
using namespace lieq::test;

class TestQuantizedTensor : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { useAllCores(); }

    void roundTripOnGrid_data();
    void roundTripOnGrid();
    void codesAndGridInvariants_data() { roundTripOnGrid_data(); }
    void codesAndGridInvariants();
    void errorBounds_data();
    void errorBounds();
    void gridMatchesReferenceQuantizer();
    void dequantizeFollowsGIdx();
    void validationRejectsCorruptTensors();
    void effectiveBits();
    void fakeQuantizeMatchesDequantize();
};

void TestQuantizedTensor::roundTripOnGrid_data()
{
    QTest::addColumn<int>("bits");
    QTest::addColumn<int>("groupSize");
    QTest::addColumn<bool>("sym");
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    for (int bits : {2, 3, 4, 8}) {
        for (int gs : {128, 32, -1}) {
            for (bool sym : {false, true}) {
                const QByteArray name = "b" + QByteArray::number(bits) + "_g" +
                                        QByteArray::number(gs) + (sym ? "_sym" : "_asym");
                QTest::newRow(name.constData()) << bits << gs << sym << 48 << 320;
            }
        }
    }
    QTest::newRow("ragged_last_group") << 4 << 128 << false << 7 << 200;
}

void TestQuantizedTensor::roundTripOnGrid()
{
    QFETCH(int, bits);
    QFETCH(int, groupSize);
    QFETCH(bool, sym);
    QFETCH(int, rows);
    QFETCH(int, cols);
    const Mat w = gaussian(rows, cols, 11u + unsigned(bits * 100 + cols));
    const QuantConfig cfg{bits, groupSize, sym};
    const QuantizedTensor q = quantizeRtn(w.view(), cfg);
    validateQuantizedTensor(q);
    const Mat deq = fromQuantized(q);

    // Re-encoding the reconstruction on the same grid returns the same codes, bit for bit.
    const QuantizedTensor again = quantizeWithGrid(deq.view(), q);
    QVERIFY(again.codes == q.codes);
    QCOMPARE(dequantize(again), deq.data);

    // Asymmetric min-max grids are recovered from the reconstruction itself (the extreme
    // codes are always used): RTN of a dequantized tensor gives the same codes and zeros, and
    // scales equal up to the rounding of (max - min) / maxq.
    if (!sym) {
        const QuantizedTensor fresh = quantizeRtn(deq.view(), cfg);
        QVERIFY(fresh.codes == q.codes);
        QVERIFY(fresh.zeros == q.zeros);
        for (std::size_t i = 0; i < q.scales.size(); ++i)
            QVERIFY(std::fabs(fresh.scales[i] - q.scales[i]) <= 1e-6f * q.scales[i]);
    }
}

void TestQuantizedTensor::codesAndGridInvariants()
{
    QFETCH(int, bits);
    QFETCH(int, groupSize);
    QFETCH(bool, sym);
    QFETCH(int, rows);
    QFETCH(int, cols);
    const Mat w = gaussian(rows, cols, 5u + unsigned(bits));
    const QuantizedTensor q = quantizeRtn(w.view(), QuantConfig{bits, groupSize, sym});
    const std::int64_t gs = groupSize > 0 ? groupSize : cols;
    QCOMPARE(q.numGroups, (cols + gs - 1) / gs);
    QVERIFY(q.hasTrivialGroups());
    QVERIFY(q.perm.empty());
    // Each weight lies within half a step of its reconstruction (the symmetric grid's clipped
    // top value, 7.5 steps, also lands half a step away).
    const Mat deq = fromQuantized(q);
    for (std::int64_t r = 0; r < rows; ++r) {
        for (std::int64_t c = 0; c < cols; ++c) {
            const float s = q.scale(r, q.gIdx[c]);
            const float err = std::fabs(w.data[r * cols + c] - deq.data[r * cols + c]);
            QVERIFY2(err <= 0.5f * s * 1.0001f,
                     qPrintable(QStringLiteral("row %1 col %2 err %3 step %4")
                                    .arg(r).arg(c).arg(err).arg(s)));
        }
        if (sym) {
            for (std::int64_t g = 0; g < q.numGroups; ++g)
                QCOMPARE(q.zero(r, g), 1 << (bits - 1));
        }
    }
}

void TestQuantizedTensor::errorBounds_data()
{
    QTest::addColumn<int>("bits");
    QTest::addColumn<double>("maxRelative");
    // Uniform grid on a Gaussian group of 128: rel. RMS error ~ range / (2^b sqrt(12) sigma).
    QTest::newRow("8bit") << 8 << 0.006;
    QTest::newRow("4bit") << 4 << 0.11;
    QTest::newRow("3bit") << 3 << 0.23;
    QTest::newRow("2bit") << 2 << 0.55;
}

void TestQuantizedTensor::errorBounds()
{
    QFETCH(int, bits);
    QFETCH(double, maxRelative);
    const Mat w = gaussian(256, 512, 99u);
    const Mat deq = fromQuantized(quantizeRtn(w.view(), QuantConfig{bits, 128, false}));
    const double rel = relativeError(w, deq);
    QVERIFY2(rel < maxRelative, qPrintable(QString::number(rel)));
    QVERIFY(rel > 0.0);
}

void TestQuantizedTensor::gridMatchesReferenceQuantizer()
{
    // Hand-worked values of the reference quantizer.
    GridParams g = gridFromRange(-1.0f, 3.0f, 2, false); // maxq 3: scale 4/3, zero round(0.75)
    QCOMPARE(g.scale, 4.0f / 3.0f);
    QCOMPARE(g.zero, 1);
    QCOMPARE(quantizeToCode(3.0f, g, 3), 3);
    QCOMPARE(quantizeToCode(-5.0f, g, 3), 0);
    g = gridFromRange(0.5f, 2.0f, 4, false); // the range is widened to hold 0
    QCOMPARE(g.scale, 2.0f / 15.0f);
    QCOMPARE(g.zero, 0);
    g = gridFromRange(-2.0f, 1.0f, 4, true); // symmetric: [-2, 2], zero 8
    QCOMPARE(g.scale, 4.0f / 15.0f);
    QCOMPARE(g.zero, 8);
    QCOMPARE(quantizeToCode(2.0f, g, 15), 15); // 7.5 rounds to 8 (half to even) -> clamped
    g = gridFromRange(0.0f, 0.0f, 3, false);   // all zero: [-1, 1]
    QCOMPARE(g.scale, 2.0f / 7.0f);
    QCOMPARE(g.zero, 3); // fp32: 1 / (2/7) = 3.4999998, as torch computes it
    QCOMPARE(quantizeToCode(std::nanf(""), g, 7), 0);
}

void TestQuantizedTensor::dequantizeFollowsGIdx()
{
    QuantizedTensor q;
    q.rows = 2;
    q.cols = 4;
    q.bits = 2;
    q.groupSize = 2;
    q.numGroups = 2;
    q.codes = {0, 1, 2, 3, 3, 2, 1, 0};
    q.scales = {1.0f, 0.5f, 2.0f, 0.25f};
    q.zeros = {1, 2, 0, 3};
    q.gIdx = {1, 0, 0, 1}; // act-order style: columns 0 and 3 share group 1
    q.perm = {1, 2, 0, 3};
    validateQuantizedTensor(q);
    QVERIFY(!q.hasTrivialGroups());
    const std::vector<float> expected = {0.5f * (0 - 2), 1.0f * (1 - 1), 1.0f * (2 - 1),
                                         0.5f * (3 - 2), 0.25f * (3 - 3), 2.0f * (2 - 0),
                                         2.0f * (1 - 0), 0.25f * (0 - 3)};
    QCOMPARE(dequantize(q), expected);
}

void TestQuantizedTensor::validationRejectsCorruptTensors()
{
    const Mat w = gaussian(4, 64, 3u);
    const QuantizedTensor good = quantizeRtn(w.view(), QuantConfig{3, 32, false});
    validateQuantizedTensor(good);
    auto expectError = [](QuantizedTensor q) {
        QVERIFY_THROWS_EXCEPTION(lieq::Error, validateQuantizedTensor(q));
    };
    QuantizedTensor bad = good;
    bad.codes[5] = 8; // 3 bits: maxq is 7
    expectError(bad);
    bad = good;
    bad.gIdx[0] = 2;
    expectError(bad);
    bad = good;
    bad.perm = std::vector<std::int32_t>(64, 0);
    expectError(bad);
    bad = good;
    bad.scales.pop_back();
    expectError(bad);
    bad = good;
    bad.scales[0] = 0.0f;
    expectError(bad);
    bad = good;
    bad.bits = 5;
    expectError(bad);
    QVERIFY_THROWS_EXCEPTION(lieq::Error, quantizeRtn(w.view(), QuantConfig{4, 0, false}));
    QVERIFY_THROWS_EXCEPTION(lieq::Error, quantizeRtn(w.view(), QuantConfig{6, 128, false}));
    const Mat other = gaussian(5, 64, 4u);
    QVERIFY_THROWS_EXCEPTION(lieq::Error, quantizeWithGrid(other.view(), good));
}

void TestQuantizedTensor::effectiveBits()
{
    // 4-bit, groups of 128: 4 + (16 + 4) / 128 bits per weight.
    QCOMPARE(effectiveBitsPerWeight(4, 128, 1024, 1024), 4.0 + 20.0 / 128.0);
    // Per channel: one scale and zero per row.
    QCOMPARE(effectiveBitsPerWeight(2, -1, 10, 1000), 2.0 + 18.0 / 1000.0);
    // A g_idx adds 32 bits per column, spread over the rows.
    QCOMPARE(effectiveBitsPerWeight(4, 128, 64, 256, true), 4.0 + 20.0 / 128.0 + 0.5);
    const Mat w = gaussian(64, 256, 8u);
    const QuantizedTensor q = quantizeRtn(w.view(), QuantConfig{4, 128, false});
    QCOMPARE(effectiveBitsPerWeight(q), 4.0 + 20.0 / 128.0);
}

void TestQuantizedTensor::fakeQuantizeMatchesDequantize()
{
    Mat w = gaussian(16, 300, 21u);
    const QuantConfig cfg{3, 64, false};
    const Mat deq = fromQuantized(quantizeRtn(w.view(), cfg));
    fakeQuantizeInPlace(w.span(), cfg);
    QCOMPARE(w.data, deq.data);
}

QTEST_GUILESS_MAIN(TestQuantizedTensor)
#include "tst_quantizedtensor.moc"
