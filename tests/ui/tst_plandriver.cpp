// The budget panel's plan drivers and the damage chart: every driver key plans (scores, the
// measured knapsack, the rules), unavailable drivers say why, predicted damage and the curves
// follow the measured gains, and the chart draws curves, the current plan and run points.
#include "core/alloc/layer_specs.h"
#include "core/util/error.h"
#include "ui/damagechart.h"
#include "ui/plandriver.h"

#include <QTest>

using namespace lieq;
using namespace lieq::ui;

namespace {

alloc::AllocationRequest request(int layers, double budget)
{
    alloc::AllocationRequest r;
    for (int i = 0; i < layers; ++i)
        r.layers.push_back({i, 0.0, 1000, {}});
    r.bitSet = {2, 4};
    r.budget = budget;
    return r;
}

} // namespace

class TestPlanDriver : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void driversPlan_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<int>("raised");
        QTest::newRow("dr") << "dr" << 3;
        QTest::newRow("dppl") << "dppl" << 0;
        QTest::newRow("sensitivity") << "sensitivity" << 1;
        QTest::newRow("measured") << "measured" << 0;
        QTest::newRow("llama-cpp") << "llama-cpp" << 3; // 4 layers: last eighth first
        QTest::newRow("first") << "first" << 0;
        QTest::newRow("last") << "last" << 3;
    }

    void driversPlan()
    {
        QFETCH(QString, key);
        QFETCH(int, raised);
        PlanDriver d;
        d.setSeries("dr", {0.1, 0.2, 0.3, 0.9});
        d.setSeries("dppl", {50, 1, 2, 3});
        d.setMeasure({0.04, 0.001, 0.0005, 0.002}, {0.03, 0.04, 0.001, 0.002}, 0.05, 2, 4);
        const alloc::BitPlan p = d.plan(key.toStdString(), request(4, 2.5));
        QCOMPARE(alloc::raisedLayers(p), std::vector<int>{raised});
        QVERIFY(PlanDriver::label(key.toStdString()) != key);
        const auto damage = d.predictedDamage(p);
        QVERIFY(damage.has_value());
        QVERIFY(*damage <= 0.05 && *damage >= 0);
    }

    void unavailable()
    {
        PlanDriver d;
        QString why;
        QVERIFY(!d.available("dr", &why));
        QVERIFY(!why.isEmpty());
        QVERIFY(!d.available("measured", &why));
        QVERIFY(why.contains(QStringLiteral("measure")));
        QVERIFY(d.available("random"));
        QVERIFY_THROWS_EXCEPTION(Error, d.plan("measured", request(4, 2.5)));
        QVERIFY(!d.predictedDamage(d.plan("first", request(4, 2.5))).has_value());
        QVERIFY(d.bestCurve(request(4, 2.5)).empty());
    }

    void curvesAndSeeds()
    {
        PlanDriver d;
        d.setMeasure({0.04, 0.001, 0.0005, 0.002}, {0.03, 0.04, 0.001, 0.002}, 0.05, 2, 4);
        const auto best = d.bestCurve(request(4, 2.5));
        QCOMPARE(int(best.size()), 5);
        QVERIFY(std::abs(best[1].predictedKl - 0.01) < 1e-12);
        const auto last = d.curve("last", request(4, 2.5));
        QVERIFY(std::abs(last[1].predictedKl - 0.048) < 1e-12);
        QVERIFY(d.curve("measured", request(4, 2.5)).empty()); // that is the best curve
        // Another bit pair than the measured one: no prediction.
        alloc::AllocationRequest r3 = request(4, 2.5);
        r3.bitSet = {2, 3};
        QVERIFY(d.bestCurve(r3).empty());
        d.setSeed(1);
        const auto a = alloc::raisedLayers(d.plan("random", request(16, 2.25)));
        d.setSeed(2);
        const auto b = alloc::raisedLayers(d.plan("random", request(16, 2.25)));
        d.setSeed(1);
        QCOMPARE(alloc::raisedLayers(d.plan("random", request(16, 2.25))), a);
        QVERIFY(a != b || a.size() == 1);
    }

    void chart()
    {
        DamageChart c;
        QCOMPARE(c.curvePointCount(), 0);
        PlanDriver d;
        d.setMeasure({0.04, 0.001, 0.0005, 0.002}, {0.03, 0.04, 0.001, 0.002}, 0.05, 2, 4);
        const auto r = request(4, 2.5);
        c.setCurves(d.bestCurve(r), d.curve("last", r), QStringLiteral("last layers"));
        c.setCurrent(alloc::DamagePoint{2.5, 0.01, {0}});
        c.setRuns({{2.5, 0.012, QStringLiteral("run 1")}, {2.0, NAN, QStringLiteral("no KL")}});
        QCOMPARE(c.curvePointCount(), 10);
        QCOMPARE(c.runPointCount(), 1);
        QVERIFY(c.hasCurrent());
        c.clear();
        QCOMPARE(c.curvePointCount(), 0);
    }
};

QTEST_MAIN(TestPlanDriver)
#include "tst_plandriver.moc"
