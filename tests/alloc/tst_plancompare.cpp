// The comparison plans of the LieQ results: scores replaced per layer, the ablation that
// protects the lowest-scored layers (every allocator, against negated scores), the dPPL oracle,
// which layers a plan protects and how much two plans share, and the plan JSON round trip.
#include "core/alloc/allocator.h"
#include "core/alloc/plan_compare.h"
#include "core/alloc/plan_json.h"
#include "core/util/error.h"

#include <QTest>

#include <limits>
#include <random>

using namespace lieq;
using namespace lieq::alloc;

Q_DECLARE_METATYPE(lieq::alloc::AllocMethod)

namespace {

std::vector<LayerSpec> layersOf(const std::vector<double> &scores, std::int64_t params = 1000)
{
    std::vector<LayerSpec> out;
    for (std::size_t i = 0; i < scores.size(); ++i)
        out.push_back({int(i), scores[i], params, {}});
    return out;
}

std::vector<double> negated(std::vector<double> v)
{
    for (double &x : v)
        x = -x;
    return v;
}

} // namespace

class TestPlanCompare : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void withScoresReplacesAndChecks()
    {
        const auto layers = withScores(layersOf({0, 0, 0}), {0.5, -1, 2}, "test");
        QCOMPARE(layers[0].score, 0.5);
        QCOMPARE(layers[1].score, -1.0);
        QCOMPARE(layers[2].score, 2.0);
        QCOMPARE(layers[2].params, std::int64_t(1000));
        try {
            withScores(layersOf({0, 0}), {1.0}, "dr of run 3");
            QFAIL("no error");
        } catch (const Error &e) {
            QVERIFY2(QByteArray(e.what()).contains("dr of run 3: 1 scores for 2 layers"), e.what());
        }
        try {
            withScores(layersOf({0, 0}), {1.0, std::numeric_limits<double>::quiet_NaN()}, "x");
            QFAIL("no error");
        } catch (const Error &e) {
            QVERIFY2(QByteArray(e.what()).contains("layer 1 has no finite score"), e.what());
        }
    }

    // By hand: 2 + 2/5 bits on five equal layers = one 4-bit layer.
    void paperAblationByHand()
    {
        AllocationRequest r;
        r.layers = layersOf({0.3, 0.9, 0.1, 0.5, 0.4});
        r.budget = 2.4;
        QCOMPARE(allocate(r).layerBits(), (std::vector<int>{2, 4, 2, 2, 2}));
        r.protectLowest = true;
        const BitPlan low = allocate(r);
        QCOMPARE(low.layerBits(), (std::vector<int>{2, 2, 4, 2, 2}));
        QVERIFY(low.protectLowest);
        QCOMPARE(low.layers[1].score, 0.9); // the real scores are recorded
        QCOMPARE(low.units[2].score, 0.1);
        r.budget = 2.8; // two layers
        QCOMPARE(allocate(r).layerBits(), (std::vector<int>{4, 2, 4, 2, 2}));
    }

    // Every method: protecting the lowest equals allocating on the negated scores.
    void ablationEqualsNegatedScores_data()
    {
        QTest::addColumn<AllocMethod>("method");
        QTest::newRow("paper") << AllocMethod::Paper;
        QTest::newRow("knapsack") << AllocMethod::Knapsack;
        QTest::newRow("greedy") << AllocMethod::Greedy;
    }
    void ablationEqualsNegatedScores()
    {
        QFETCH(AllocMethod, method);
        std::mt19937_64 rng(77);
        std::normal_distribution<double> score(0.2, 0.3);
        std::uniform_int_distribution<std::int64_t> size(1, 50);
        for (int trial = 0; trial < 100; ++trial) {
            AllocationRequest r;
            r.method = method;
            r.bitSet = method == AllocMethod::Paper ? std::vector<int>{2, 4}
                                                    : std::vector<int>{2, 3, 4, 8};
            std::vector<double> s;
            const int n = 2 + int(rng() % 10);
            for (int i = 0; i < n; ++i) {
                s.push_back(score(rng));
                r.layers.push_back({i, s.back(), size(rng) * 256, {}});
            }
            if (trial % 3 == 0)
                r.pins[int(rng() % n)] = 16;
            r.budget = 2.0 + 1.5 * double(rng() % 1000) / 1000.0 + (r.pins.empty() ? 0 : 14.0 / n);
            if (r.budget > r.bitSet.back() + (r.pins.empty() ? 0 : 14.0))
                continue;
            AllocationRequest neg = r;
            neg.layers = withScores(r.layers, negated(s), "negated");
            r.protectLowest = true;
            BitPlan a, b;
            try {
                a = allocate(r);
            } catch (const Error &) {
                QVERIFY_THROWS_EXCEPTION(Error, allocate(neg)); // same feasibility
                continue;
            }
            b = allocate(neg);
            QCOMPARE(a.layerBits(), b.layerBits());
            QCOMPARE(a.nominalBits(), b.nominalBits());
        }
    }

    void protectedLayersAndOverlap()
    {
        AllocationRequest r;
        r.layers = layersOf({0.3, 0.9, 0.1, 0.5, 0.4, 0.2});
        r.budget = 2.0 + 2.0 * 2 / 6; // two layers at 4 bits
        const BitPlan top = allocate(r);
        QCOMPARE(protectedLayers(top), (std::vector<int>{1, 3}));
        r.protectLowest = true;
        const BitPlan low = allocate(r);
        QCOMPARE(protectedLayers(low), (std::vector<int>{2, 5}));
        QCOMPARE(protectedOverlap(low, top), 0.0);
        QCOMPARE(protectedOverlap(top, top), 1.0);
        // Uniform plans protect nothing; a pinned 16-bit layer does not count as the lowest.
        r.protectLowest = false;
        r.budget = 2.0;
        QVERIFY(protectedLayers(allocate(r)).empty());
        QCOMPARE(protectedOverlap(top, allocate(r)), 1.0);
        r.pins[0] = 16;
        r.budget = 2.0 + 14.0 / 6.0 + 2.0 / 6.0; // the pin plus one 4-bit layer
        QCOMPARE(protectedLayers(allocate(r)), (std::vector<int>{0, 1}));
    }

    void comparisonPlansOfOneBudget()
    {
        AllocationRequest r;
        r.layers = layersOf({0, 0, 0, 0, 0, 0, 0, 0});
        r.budget = 2.25; // 2 + 2/8: one 4-bit layer
        const std::vector<double> dr{0.10, 0.40, 0.20, 0.30, 0.05, 0.15, 0.35, 0.25};
        const std::vector<double> dppl{3.0, 1.0, 0.5, 9.0, 0.2, 0.1, 0.3, 0.4};
        const ComparisonPlans c = comparisonPlans(r, dr, dppl);
        QCOMPARE(protectedLayers(c.ranked), (std::vector<int>{1}));
        QCOMPARE(protectedLayers(c.inverted), (std::vector<int>{4}));
        QCOMPARE(protectedLayers(c.oracle), (std::vector<int>{3}));
        QCOMPARE(c.ranked.nominalBits(), 2.25);
        QCOMPARE(c.inverted.nominalBits(), 2.25);
        QCOMPARE(c.oracle.nominalBits(), 2.25);
        QCOMPARE(c.oracle.layers[3].score, 9.0);
        QVERIFY(!c.ranked.protectLowest && c.inverted.protectLowest && !c.oracle.protectLowest);
        QVERIFY_THROWS_EXCEPTION(Error, comparisonPlans(r, dr, {1.0, 2.0}));
    }

    void jsonKeepsTheAblationFlag()
    {
        AllocationRequest r;
        r.layers = layersOf({0.3, 0.9, 0.1});
        r.budget = 2.67;
        r.protectLowest = true;
        const BitPlan p = allocate(r);
        const BitPlan back = planFromJson(planToJson(p), "mem");
        QVERIFY(back.protectLowest);
        QCOMPARE(back.layerBits(), p.layerBits());
        // Plans written before the flag existed read as "highest protected".
        std::string text = planToJson(p);
        const auto at = text.find("\"protectLowest\"");
        QVERIFY(at != std::string::npos);
        text.erase(at, text.find('\n', at) - at + 1);
        QVERIFY(!planFromJson(text, "old").protectLowest);
    }
};

QTEST_GUILESS_MAIN(TestPlanCompare)
#include "tst_plancompare.moc"
