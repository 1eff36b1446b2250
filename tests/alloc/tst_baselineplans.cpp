// Baseline allocation rules and the measured-gain knapsack: llama.cpp's use_more_bits set for
// several depths (checked against the formula spelled out by hand), the protection order at one
// and several protected layers, first/last-k, seeded random plans (same seed same plan, seeds
// spread, the budget respected), pins and bit sets, and the knapsack on gains against brute
// force over every subset of layers; predicted damage and the damage-vs-bits curve.
#include "core/alloc/baseline_plans.h"
#include "core/alloc/measured_plan.h"
#include "core/alloc/plan_compare.h"
#include "core/util/error.h"

#include <QTest>

#include <random>
#include <set>

using namespace lieq::alloc;

namespace {

AllocationRequest request(int layers, double budget, std::int64_t params = 1000)
{
    AllocationRequest r;
    for (int i = 0; i < layers; ++i)
        r.layers.push_back({i, 0.0, params, {}});
    r.budget = budget;
    r.bitSet = {2, 4};
    return r;
}

std::vector<int> raised(const BitPlan &p)
{
    std::vector<int> out;
    for (const PlanUnit &u : p.units)
        if (u.bits > 2)
            out.push_back(u.layer);
    return out;
}

} // namespace

class TestBaselinePlans : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // The set {i : use_more_bits(i, n)} for depths where n/8 and 7n/8 round differently.
    void llamaCppSet_data()
    {
        QTest::addColumn<int>("n");
        QTest::addColumn<std::vector<int>>("expected");
        QTest::newRow("5 (stories260K)") << 5 << std::vector<int>{2, 4};
        QTest::newRow("8") << 8 << std::vector<int>{0, 3, 6, 7};
        QTest::newRow("16") << 16 << std::vector<int>{0, 1, 4, 7, 10, 13, 14, 15};
        QTest::newRow("28 (Qwen3-0.6B)")
            << 28 << std::vector<int>{0, 1, 2, 5, 8, 11, 14, 17, 20, 23, 24, 25, 26, 27};
        QTest::newRow("32") << 32 << std::vector<int>{0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24,
                                                      27, 28, 29, 30, 31};
    }

    void llamaCppSet()
    {
        QFETCH(int, n);
        QFETCH(std::vector<int>, expected);
        std::vector<int> got;
        for (int i = 0; i < n; ++i)
            if (llamaCppUseMoreBits(i, n))
                got.push_back(i);
        QCOMPARE(got, expected);
        // With a budget for exactly that many layers, the plan raises exactly that set.
        const double budget = 2.0 + 2.0 * double(expected.size()) / n;
        QCOMPARE(raised(baselinePlan(request(n, budget), BaselineRule::LlamaCpp)), expected);
    }

    void protectionOrder_data()
    {
        QTest::addColumn<int>("rule");
        QTest::addColumn<int>("layers");
        QTest::addColumn<int>("protect");
        QTest::addColumn<std::vector<int>>("expected");
        const int lc = int(BaselineRule::LlamaCpp), f = int(BaselineRule::First),
                  l = int(BaselineRule::Last);
        // Edges first: first eighth, then last eighth, then the every-third layers.
        QTest::newRow("llama.cpp 16, one") << lc << 16 << 1 << std::vector<int>{0};
        QTest::newRow("llama.cpp 16, three") << lc << 16 << 3 << std::vector<int>{0, 1, 14};
        QTest::newRow("llama.cpp 16, five") << lc << 16 << 5 << std::vector<int>{0, 1, 4, 14, 15};
        QTest::newRow("llama.cpp 5, one") << lc << 5 << 1 << std::vector<int>{4};
        QTest::newRow("llama.cpp 5, three") << lc << 5 << 3 << std::vector<int>{0, 2, 4};
        QTest::newRow("first 8, two") << f << 8 << 2 << std::vector<int>{0, 1};
        QTest::newRow("last 8, two") << l << 8 << 2 << std::vector<int>{6, 7};
        QTest::newRow("last 5, one") << l << 5 << 1 << std::vector<int>{4};
    }

    void protectionOrder()
    {
        QFETCH(int, rule);
        QFETCH(int, layers);
        QFETCH(int, protect);
        QFETCH(std::vector<int>, expected);
        const BitPlan p = baselinePlan(request(layers, 2.0 + 2.0 * protect / layers),
                                       BaselineRule(rule));
        QCOMPARE(raised(p), expected);
        QCOMPARE(p.method, baselineRuleName(BaselineRule(rule)));
        QVERIFY(p.nominalBits() <= p.budget + 1e-9);
    }

    void layerIndicesNeedNotStartAtZero()
    {
        AllocationRequest r = request(4, 2.5);
        for (LayerSpec &l : r.layers)
            l.index += 10; // 10..13
        QCOMPARE(raised(baselinePlan(r, BaselineRule::First)), std::vector<int>{10});
        QCOMPARE(raised(baselinePlan(r, BaselineRule::Last)), std::vector<int>{13});
    }

    void randomPlans()
    {
        const AllocationRequest r = request(16, 2.0 + 2.0 * 3 / 16);
        const BitPlan a = baselinePlan(r, BaselineRule::Random, 7);
        const BitPlan b = baselinePlan(r, BaselineRule::Random, 7);
        QCOMPARE(raised(a), raised(b));
        QCOMPARE(a.method, std::string("random-7"));
        std::set<std::vector<int>> distinct;
        for (const BitPlan &p : lieq::alloc::randomPlans(r, {1, 2, 3, 4, 5, 6, 7, 8})) {
            QCOMPARE(int(raised(p).size()), 3);
            distinct.insert(raised(p));
        }
        QVERIFY2(distinct.size() >= 6, "eight seeds should rarely coincide");
        // Every layer is equally likely to come first: over 1600 seeds each of 16 layers is
        // protected first ~100 times (binomial sd ~10; 50..150 is > 5 sd).
        std::vector<int> counts(16, 0);
        const AllocationRequest one = request(16, 2.0 + 2.0 / 16);
        for (std::uint64_t s = 0; s < 1600; ++s)
            ++counts[std::size_t(raised(baselinePlan(one, BaselineRule::Random, s)).front())];
        for (int c : counts)
            QVERIFY2(c > 50 && c < 150, qPrintable(QString::number(c)));
    }

    void pinsAndBitSets()
    {
        AllocationRequest r = request(8, 2.0 + 2.0 * 2 / 8);
        r.pins = {{0, 4}};
        // The pin takes one of the two upgrades; first-k adds the next unpinned layer.
        QCOMPARE(raised(baselinePlan(r, BaselineRule::First)), (std::vector<int>{0, 1}));
        r.pins = {};
        r.bitSet = {2, 3, 4};
        r.method = AllocMethod::Knapsack;
        r.budget = 2.5;
        const BitPlan k = baselinePlan(r, BaselineRule::Last);
        QVERIFY(k.nominalBits() <= 2.5 + 1e-9);
        QVERIFY(k.bitsFor(7) >= k.bitsFor(0));
    }

    void names()
    {
        for (BaselineRule r : allBaselineRules())
            QCOMPARE(baselineRuleFromName(baselineRuleName(r)), r);
        QCOMPARE(baselineRuleFromName("llama.cpp"), BaselineRule::LlamaCpp);
        QVERIFY_THROWS_EXCEPTION(lieq::Error, baselineRuleFromName("middle"));
        QCOMPARE(parseSeeds("1,2,30"), (std::vector<std::uint64_t>{1, 2, 30}));
        QVERIFY_THROWS_EXCEPTION(lieq::Error, parseSeeds("1,x"));
        QVERIFY_THROWS_EXCEPTION(lieq::Error, parseSeeds("-1"));
    }

    // The knapsack on gains finds the best subset within the budget (brute force over all
    // 2^n subsets, unequal layer sizes).
    void measuredKnapsackIsOptimal_data()
    {
        QTest::addColumn<int>("seed");
        for (int s = 1; s <= 6; ++s)
            QTest::newRow(qPrintable(QStringLiteral("seed %1").arg(s))) << s;
    }

    void measuredKnapsackIsOptimal()
    {
        QFETCH(int, seed);
        std::mt19937 rng{std::uint32_t(seed)};
        const int n = 9;
        AllocationRequest r;
        std::vector<double> gains;
        for (int i = 0; i < n; ++i) {
            r.layers.push_back({i, 0.0, 1000 * std::int64_t(1 + rng() % 4), {}});
            gains.push_back(double(int(rng() % 200) - 40) / 1000.0); // some negative
        }
        r.bitSet = {2, 4};
        r.budget = 2.0 + double(rng() % 100) / 100.0;
        const BitPlan p = measuredPlan(r, gains);
        QCOMPARE(p.method, std::string("measured"));
        QVERIFY(p.nominalBits() <= r.budget + 1e-9);
        double total = 0;
        for (const LayerSpec &l : r.layers)
            total += double(l.params);
        double best = 0;
        for (int mask = 0; mask < (1 << n); ++mask) {
            double bits = 0, g = 0;
            for (int i = 0; i < n; ++i) {
                const bool up = mask & (1 << i);
                bits += double(r.layers[std::size_t(i)].params) * (up ? 4 : 2);
                g += up ? gains[std::size_t(i)] : 0.0;
            }
            if (bits / total <= r.budget + 1e-12)
                best = std::max(best, g);
        }
        QVERIFY2(std::abs(capturedGain(p, gains) - best) < 1e-12,
                 qPrintable(QStringLiteral("%1 vs %2").arg(capturedGain(p, gains)).arg(best)));
        for (int l : raised(p))
            QVERIFY(gains[std::size_t(l)] > 0);
    }

    void measuredAtOneLayer()
    {
        const AllocationRequest r = request(8, 2.0 + 2.0 / 8);
        const std::vector<double> gains{0.001, 0.0005, 0.04, -0.001, 0.0, 0.002, 0.0001, 0.003};
        const BitPlan p = measuredPlan(r, gains);
        QCOMPARE(raised(p), std::vector<int>{2});
        QCOMPARE(capturedGain(p, gains), 0.04);
        // A plan that raises every layer captures every gain.
        AllocationRequest all = r;
        all.budget = 4;
        double sum = 0;
        for (double g : gains)
            sum += g;
        QVERIFY(std::abs(capturedGain(baselinePlan(all, BaselineRule::First), gains) - sum) < 1e-12);
        // Pins count toward the budget: with layer 0 pinned at 4, nothing is left to raise.
        AllocationRequest pinned = r;
        pinned.pins = {{0, 4}};
        QCOMPARE(raised(measuredPlan(pinned, gains)), std::vector<int>{0});
    }

    void damageCurve()
    {
        const AllocationRequest r = request(4, 2.0);
        const std::vector<double> gains{0.05, 0.01, -0.002, 0.02};
        const double allLow = 0.1;
        // Measured knapsack: one point per raised-layer count, damage falls by the gains taken
        // in order of size; a negative gain is never taken, so the last points stay flat.
        const std::vector<DamagePoint> c = lieq::alloc::damageCurve(r, allLow, gains);
        QCOMPARE(int(c.size()), 5);
        const std::vector<double> expected{0.1, 0.05, 0.03, 0.02, 0.02};
        for (std::size_t k = 0; k < c.size(); ++k)
            QVERIFY2(std::abs(c[k].predictedKl - expected[k]) < 1e-12,
                     qPrintable(QStringLiteral("k=%1: %2").arg(k).arg(c[k].predictedKl)));
        QCOMPARE(c[1].raised, std::vector<int>{0});
        QCOMPARE(c[0].bits, 2.0);
        // A score-driven curve (first-k order) raises layers 0, 1, 2, 3 in turn.
        const std::vector<DamagePoint> f =
            lieq::alloc::damageCurve(r, allLow, gains, {4, 3, 2, 1});
        QCOMPARE(f[2].raised, (std::vector<int>{0, 1}));
        QVERIFY(std::abs(f[2].predictedKl - 0.04) < 1e-12);
        QCOMPARE(f[4].bits, 4.0);
        // Damage is floored at 0 when the additive model overshoots.
        QCOMPARE(predictedDamage(baselinePlan([&] { auto x = r; x.budget = 4; return x; }(),
                                              BaselineRule::First),
                                 0.01, gains),
                 0.0);
        // Pins: budgets below what they need have no point.
        AllocationRequest pinned = r;
        pinned.pins = {{3, 8}};
        const std::vector<DamagePoint> p = lieq::alloc::damageCurve(pinned, allLow, gains);
        QVERIFY(!p.empty() && p.front().bits >= 3.5 - 1e-12);
    }

    void measuredErrors()
    {
        AllocationRequest r = request(4, 2.5);
        QVERIFY_THROWS_EXCEPTION(lieq::Error, measuredPlan(r, {0.1, 0.2}));
        QVERIFY_THROWS_EXCEPTION(lieq::Error, measuredPlan(r, {0.1, NAN, 0.1, 0.1}));
        r.bitSet = {2, 3, 4};
        QVERIFY_THROWS_EXCEPTION(lieq::Error, measuredPlan(r, {0.1, 0.2, 0.3, 0.4}));
        r.bitSet = {2, 4};
        r.perProjection = true;
        QVERIFY_THROWS_EXCEPTION(lieq::Error, measuredPlan(r, {0.1, 0.2, 0.3, 0.4}));
    }
};

QTEST_GUILESS_MAIN(TestBaselinePlans)
#include "tst_baselineplans.moc"
