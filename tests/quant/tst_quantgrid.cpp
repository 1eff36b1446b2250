// The shared integer grid: the inline rounding used in every backend's inner loop must equal
// std::nearbyint (torch.round's half-to-even) wherever a code can come out of it.
#include "core/quant/quant_grid.h"

#include <QTest>

#include <cmath>
#include <limits>
#include <random>

using namespace lieq;

class TestQuantGrid : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundHalfEvenMatchesNearbyint_data()
    {
        QTest::addColumn<float>("y");
        for (float y : {0.0f, -0.0f, 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 254.5f, 255.5f,
                        0.49999997f, 8388607.5f, 4194303.5f, -4194303.5f, 1e-30f, -1e-30f})
            QTest::newRow(qPrintable(QString::number(double(y), 'g', 10))) << y;
    }

    void roundHalfEvenMatchesNearbyint()
    {
        QFETCH(float, y);
        if (std::fabs(y) < 4194304.0f)
            QCOMPARE(roundHalfEven(y), std::nearbyint(y));
        else
            QCOMPARE(std::fabs(roundHalfEven(y)), 4194304.0f);
    }

    void codesMatchTheReferenceFormula()
    {
        std::mt19937 rng(3);
        std::uniform_real_distribution<float> value(-40.0f, 40.0f);
        std::uniform_real_distribution<float> scale(1e-3f, 3.0f);
        for (int bits : {2, 3, 4, 8}) {
            const int maxq = (1 << bits) - 1;
            for (int i = 0; i < 200000; ++i) {
                const GridParams g{scale(rng), int(rng() % unsigned(maxq + 1))};
                // Values on and near ties too: k/2 steps of the grid.
                const float x = i % 4 == 0 ? g.scale * float(int(rng() % 41) - 20) * 0.5f : value(rng);
                float ref = std::nearbyint(x / g.scale) + float(g.zero);
                const int expected = !(ref >= 0.0f) ? 0 : (ref > float(maxq) ? maxq : int(ref));
                QCOMPARE(quantizeToCode(x, g, maxq), expected);
            }
        }
    }

    void extremesAndNaN()
    {
        const GridParams g{1e-30f, 2};
        QCOMPARE(quantizeToCode(1.0f, g, 15), 15);  // x / scale overflows the rounding range
        QCOMPARE(quantizeToCode(-1.0f, g, 15), 0);
        QCOMPARE(quantizeToCode(std::numeric_limits<float>::quiet_NaN(), g, 15), 0);
        QCOMPARE(quantizeToCode(std::numeric_limits<float>::infinity(), g, 15), 15);
        QCOMPARE(quantizeToCode(-std::numeric_limits<float>::infinity(), g, 15), 0);
    }
};

QTEST_APPLESS_MAIN(TestQuantGrid)
#include "tst_quantgrid.moc"
