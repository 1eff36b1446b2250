#include "core/io/dtype.h"
#include "core/io/half.h"
#include "core/util/error.h"

#include <QTest>
#include <bit>
#include <cstring>
#include <cmath>
#include <limits>

using namespace lieq;

class TestDType : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void names_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("size");
        QTest::addColumn<bool>("floating");
        QTest::newRow("F32") << "F32" << 4 << true;
        QTest::newRow("F16") << "F16" << 2 << true;
        QTest::newRow("BF16") << "BF16" << 2 << true;
        QTest::newRow("F64") << "F64" << 8 << true;
        QTest::newRow("I8") << "I8" << 1 << false;
        QTest::newRow("U8") << "U8" << 1 << false;
        QTest::newRow("I16") << "I16" << 2 << false;
        QTest::newRow("I32") << "I32" << 4 << false;
        QTest::newRow("I64") << "I64" << 8 << false;
        QTest::newRow("BOOL") << "BOOL" << 1 << false;
    }
    void names()
    {
        QFETCH(QString, name);
        QFETCH(int, size);
        QFETCH(bool, floating);
        const auto t = dtypeFromName(name.toStdString());
        QVERIFY(t.has_value());
        QCOMPARE(int(dtypeSize(*t)), size);
        QCOMPARE(isFloating(*t), floating);
        QCOMPARE(std::string(dtypeName(*t)), name.toStdString());
    }

    void unknownName()
    {
        QVERIFY(!dtypeFromName("F8_E4M3").has_value());
        QVERIFY(!dtypeFromName("f32").has_value()); // safetensors names are upper case
    }

    void halfKnownValues_data()
    {
        QTest::addColumn<float>("value");
        QTest::addColumn<int>("bits");
        QTest::addColumn<float>("back"); // halfToFloat(bits)
        const float inf = std::numeric_limits<float>::infinity();
        QTest::newRow("one") << 1.0f << 0x3c00 << 1.0f;
        QTest::newRow("minus two") << -2.0f << 0xc000 << -2.0f;
        QTest::newRow("max") << 65504.0f << 0x7bff << 65504.0f;
        QTest::newRow("overflow") << 70000.0f << 0x7c00 << inf;
        QTest::newRow("smallest subnormal") << std::ldexp(1.0f, -24) << 0x0001 << std::ldexp(1.0f, -24);
        QTest::newRow("largest subnormal") << std::ldexp(1023.0f, -24) << 0x03ff << std::ldexp(1023.0f, -24);
        QTest::newRow("underflow") << std::ldexp(1.0f, -26) << 0x0000 << 0.0f;
        QTest::newRow("tie to even down") << 1.0f + std::ldexp(1.0f, -11) << 0x3c00 << 1.0f;
        QTest::newRow("tie to even up") << 1.0f + 3 * std::ldexp(1.0f, -11) << 0x3c02 << 1.0f + std::ldexp(1.0f, -9);
        QTest::newRow("inf") << -inf << 0xfc00 << -inf;
    }
    void halfKnownValues()
    {
        QFETCH(float, value);
        QFETCH(int, bits);
        QFETCH(float, back);
        QCOMPARE(int(floatToHalf(value)), bits);
        QCOMPARE(halfToFloat(std::uint16_t(bits)), back);
    }

    // Every half value converts to float and back to itself (NaNs stay NaN).
    void halfRoundTripExhaustive()
    {
        for (unsigned h = 0; h < 0x10000; ++h) {
            const float f = halfToFloat(std::uint16_t(h));
            if (std::isnan(f)) {
                QVERIFY(std::isnan(halfToFloat(floatToHalf(f))));
                continue;
            }
            if (floatToHalf(f) != h)
                QFAIL(qPrintable(QStringLiteral("half 0x%1 does not round-trip").arg(h, 4, 16)));
        }
    }

    void halfRoundingIsNearest()
    {
        // Random floats in half range: the chosen half is at least as close as its neighbours.
        std::uint32_t state = 12345;
        for (int i = 0; i < 20000; ++i) {
            state = state * 1664525u + 1013904223u;
            const float f = std::ldexp(float(state) / 4294967296.0f - 0.5f, int(state % 30) - 14);
            const std::uint16_t h = floatToHalf(f);
            const float err = std::fabs(halfToFloat(h) - f);
            for (int d : {-1, 1}) {
                const std::uint16_t n = std::uint16_t(h + d);
                if ((n & 0x7c00) == 0x7c00 || ((n ^ h) & 0x8000))
                    continue;
                QVERIFY2(err <= std::fabs(halfToFloat(n) - f), qPrintable(QString::number(f)));
            }
        }
    }

    void bf16()
    {
        QCOMPARE(int(floatToBf16(1.0f)), 0x3f80);
        QCOMPARE(bf16ToFloat(0x3f80), 1.0f);
        // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to even -> 1.
        QCOMPARE(int(floatToBf16(1.0f + std::ldexp(1.0f, -8))), 0x3f80);
        QCOMPARE(int(floatToBf16(1.0f + 3 * std::ldexp(1.0f, -8))), 0x3f82);
        QVERIFY(std::isnan(bf16ToFloat(floatToBf16(std::numeric_limits<float>::quiet_NaN()))));
        for (unsigned b = 0; b < 0x10000; ++b) {
            const float f = bf16ToFloat(std::uint16_t(b));
            if (!std::isnan(f) && floatToBf16(f) != b)
                QFAIL("bf16 does not round-trip");
        }
    }

    void convertToFloatAllTypes()
    {
        const float ref[3] = {1.5f, -0.25f, 3.0f};
        std::uint16_t h[3], b[3];
        double d[3];
        for (int i = 0; i < 3; ++i) {
            h[i] = floatToHalf(ref[i]);
            b[i] = floatToBf16(ref[i]);
            d[i] = ref[i];
        }
        float out[3];
        convertToFloat(DType::F16, h, out, 3);
        QCOMPARE(std::vector<float>(out, out + 3), std::vector<float>(ref, ref + 3));
        convertToFloat(DType::BF16, b, out, 3);
        QCOMPARE(std::vector<float>(out, out + 3), std::vector<float>(ref, ref + 3));
        convertToFloat(DType::F64, d, out, 3);
        QCOMPARE(std::vector<float>(out, out + 3), std::vector<float>(ref, ref + 3));
        // Unaligned source, as in a safetensors file with an unpadded header.
        alignas(4) unsigned char buf[13];
        std::memcpy(buf + 1, ref, 12);
        convertToFloat(DType::F32, buf + 1, out, 3);
        QCOMPARE(out[2], 3.0f);
        QVERIFY_THROWS_EXCEPTION(Error, convertToFloat(DType::I32, buf, out, 1));
    }
};

QTEST_GUILESS_MAIN(TestDType)
#include "tst_dtype.moc"
