// The allocators: the paper's rule on hand-made cases, the knapsack against brute force, and
// properties over many seeded random cases (budget, pins, fused groups, nesting).
#include "core/alloc/allocator.h"
#include "core/util/error.h"

#include <QTest>
#include <algorithm>
#include <cmath>
#include <functional>
#include <random>

using namespace lieq;
using namespace lieq::alloc;

Q_DECLARE_METATYPE(lieq::alloc::AllocMethod)

namespace {

std::vector<LayerSpec> equalLayers(int count, std::int64_t params, std::uint64_t seed)
{
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(-0.2, 1.0);
    std::vector<LayerSpec> layers;
    for (int i = 0; i < count; ++i)
        layers.push_back({i, u(rng), params, {}});
    return layers;
}

// A Llama-shaped layer: hidden h, kv width kv, intermediate m.
std::vector<LinearShape> llamaLinears(std::int64_t h, std::int64_t kv, std::int64_t m,
                                      std::mt19937_64 *rng = nullptr)
{
    std::vector<LinearShape> s{{"q_proj", h, h},    {"k_proj", kv, h}, {"v_proj", kv, h},
                               {"o_proj", h, h},    {"gate_proj", m, h}, {"up_proj", m, h},
                               {"down_proj", h, m}};
    if (rng) {
        std::uniform_real_distribution<double> u(0.0, 1.0);
        for (LinearShape &l : s)
            l.score = u(*rng);
    }
    return s;
}

int countBits(const BitPlan &p, int bits)
{
    return int(std::count_if(p.units.begin(), p.units.end(),
                             [&](const PlanUnit &u) { return u.bits == bits; }));
}

struct RandomCase
{
    AllocationRequest request;
    std::int64_t maxUnit = 0;
};

RandomCase randomCase(std::mt19937_64 &rng, AllocMethod method)
{
    RandomCase c;
    AllocationRequest &r = c.request;
    std::uniform_int_distribution<int> nLayers(1, 12);
    std::uniform_int_distribution<std::int64_t> size(1, 400);
    std::normal_distribution<double> score(0.3, 0.4);
    const int n = nLayers(rng);
    for (int i = 0; i < n; ++i) {
        const std::int64_t p = size(rng) * 64;
        r.layers.push_back({i * 2 + 1, score(rng), p, {}}); // indices need not be 0..n-1
        c.maxUnit = std::max(c.maxUnit, p);
    }
    const std::vector<std::vector<int>> sets = method == AllocMethod::Paper
        ? std::vector<std::vector<int>>{{2, 4}, {2, 3}, {3, 8}, {2, 8}}
        : std::vector<std::vector<int>>{{2, 4}, {2, 3, 4}, {2, 3, 4, 8}, {2, 8}, {3, 4, 8}, {4}};
    r.bitSet = sets[std::size_t(rng() % sets.size())];
    r.method = method;
    // Up to two pins, one of them possibly 16-bit.
    for (int k = 0; k < 2; ++k)
        if (rng() % 3 == 0) {
            const int layer = r.layers[std::size_t(rng() % r.layers.size())].index;
            const int choices[] = {2, 3, 4, 8, 16};
            r.pins[layer] = choices[rng() % 5];
        }
    return c;
}

// Minimum feasible average and maximum meaningful average for a request.
std::pair<double, double> budgetRange(const AllocationRequest &r)
{
    double total = 0, lo = 0, hi = 0;
    const int bmin = *std::min_element(r.bitSet.begin(), r.bitSet.end());
    const int bmax = *std::max_element(r.bitSet.begin(), r.bitSet.end());
    for (const LayerSpec &l : r.layers) {
        const auto pin = r.pins.find(l.index);
        total += double(l.params);
        lo += double(l.params) * (pin != r.pins.end() ? pin->second : bmin);
        hi += double(l.params) * (pin != r.pins.end() ? pin->second : bmax);
    }
    return {lo / total, hi / total};
}

} // namespace

class TestAllocator : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void paperOneFourBitLayer_data()
    {
        QTest::addColumn<int>("layers");
        QTest::addColumn<double>("budget");
        QTest::addColumn<int>("fourBit");
        // 2 + 2/L: exactly one 4-bit layer (f L = 1)
        for (int L : {2, 16, 22, 24, 28, 32, 36, 80})
            QTest::newRow(qPrintable(QStringLiteral("2+2/%1").arg(L))) << L << 2.0 + 2.0 / L << 1;
        // The paper's rounded figures: 2.07 on 28 (f L = 0.98) and 2.05 on 36 (f L = 0.9).
        QTest::newRow("2.07 on 28") << 28 << 2.07 << 1;
        QTest::newRow("2.05 on 36") << 36 << 2.05 << 1;
        // f = 0.5 -> half the layers
        QTest::newRow("3.0 on 28") << 28 << 3.0 << 14;
        QTest::newRow("2.0") << 28 << 2.0 << 0;
        QTest::newRow("4.0") << 28 << 4.0 << 28;
        // f L = 2.5 rounds half up to 3 (the DESIGN's m = round(f L))
        QTest::newRow("round half up") << 10 << 2.5 << 3;
        // f L = 1.4 -> 1
        QTest::newRow("round down") << 28 << 2.1 << 1;
    }
    void paperOneFourBitLayer()
    {
        QFETCH(int, layers);
        QFETCH(double, budget);
        QFETCH(int, fourBit);
        AllocationRequest r;
        r.layers = equalLayers(layers, 1769472, std::uint64_t(layers));
        r.budget = budget;
        const BitPlan p = allocate(r);
        QCOMPARE(countBits(p, 4), fourBit);
        QCOMPARE(countBits(p, 2), layers - fourBit);
        QVERIFY(std::fabs(p.nominalBits() - (2.0 + 2.0 * fourBit / layers)) < 1e-12);
        // The 4-bit layers are the top-scored ones.
        double lowest4 = INFINITY, highest2 = -INFINITY;
        for (const PlanUnit &u : p.units) {
            if (u.bits == 4)
                lowest4 = std::min(lowest4, u.score);
            else
                highest2 = std::max(highest2, u.score);
        }
        QVERIFY(lowest4 == INFINITY || highest2 == -INFINITY || lowest4 >= highest2);
    }

    void paperUnequalSizesByHand()
    {
        // Sizes 10, 20, 30, 40 (total 100), scores in that order descending.
        AllocationRequest r;
        r.layers = {{0, 0.4, 10, {}}, {1, 0.3, 20, {}}, {2, 0.2, 30, {}}, {3, 0.1, 40, {}}};
        // b = 2.6: f = 0.3, target 30: layer 0 (10), then layer 1 (20) reaches 30 exactly.
        r.budget = 2.6;
        BitPlan p = allocate(r);
        QCOMPARE(p.layerBits(), (std::vector<int>{4, 4, 2, 2}));
        QVERIFY(std::fabs(p.nominalBits() - 2.6) < 1e-12);
        // b = 2.5: target 25; 10 is 15 short, 30 is 5 over: nearest is layers 0 and 1.
        r.budget = 2.5;
        QCOMPARE(allocate(r).layerBits(), (std::vector<int>{4, 4, 2, 2}));
        // b = 2.3: target 15; 10 is 5 short, 30 is 15 over: layer 0 only.
        r.budget = 2.3;
        QCOMPARE(allocate(r).layerBits(), (std::vector<int>{4, 2, 2, 2}));
        // Pin 3=4: fixed bits 40*4 + 60*2 = 280; b = 3.1 gives 310, extra 30, target
        // 30/2 = 15 at 4 bits: layer 0 (15 short >= 10/2) yes, layer 1 (5 short < 20/2) no.
        r.budget = 3.1;
        r.pins = {{3, 4}};
        p = allocate(r);
        QCOMPARE(p.layerBits(), (std::vector<int>{4, 2, 2, 4}));
        QVERIFY(std::fabs(p.nominalBits() - 3.0) < 1e-12);
        QVERIFY(p.units[3].pinned);
    }

    void pinsAndInfeasibleBudgets()
    {
        AllocationRequest r;
        r.layers = equalLayers(8, 1000, 3);
        r.pins = {{0, 16}};
        // 16-bit pin on 1 of 8 layers alone needs (16 + 7*2)/8 = 3.75 bits.
        r.budget = 3.0;
        try {
            allocate(r);
            QFAIL("an infeasible budget was accepted");
        } catch (const Error &e) {
            QVERIFY(std::string(e.what()).find("3.75") != std::string::npos);
        }
        r.budget = 3.75;
        const BitPlan p = allocate(r);
        QCOMPARE(p.bitsFor(0), 16);
        QCOMPARE(countBits(p, 2), 7);
    }

    void knapsackMatchesBruteForce()
    {
        std::mt19937_64 rng(77);
        for (int trial = 0; trial < 150; ++trial) {
            RandomCase c = randomCase(rng, AllocMethod::Knapsack);
            AllocationRequest &r = c.request;
            if (r.layers.size() > 6)
                r.layers.resize(6);
            r.pins.clear();
            const auto [lo, hi] = budgetRange(r);
            r.budget = lo + (hi - lo) * std::uniform_real_distribution<double>(0, 1)(rng);
            const BitPlan k = allocate(r);
            r.method = AllocMethod::Greedy;
            const BitPlan g = allocate(r);
            // Brute force over all assignments within the budget.
            BitPlan probe = k;
            double best = -INFINITY, budgetBits = r.budget * double(k.totalParams());
            std::function<void(std::size_t, double)> rec = [&](std::size_t i, double used) {
                if (used > budgetBits + 1e-6)
                    return;
                if (i == probe.units.size()) {
                    best = std::max(best, planObjective(probe));
                    return;
                }
                for (int b : r.bitSet) {
                    probe.units[i].bits = b;
                    rec(i + 1, used + double(probe.units[i].params) * b);
                }
            };
            rec(0, 0);
            QVERIFY2(std::fabs(planObjective(k) - best) <= 1e-9 * std::fabs(best),
                     qPrintable(QStringLiteral("trial %1").arg(trial)));
            QVERIFY(planObjective(g) <= planObjective(k) * (1 + 1e-12));
        }
    }

    void properties_data()
    {
        QTest::addColumn<AllocMethod>("method");
        QTest::newRow("paper") << AllocMethod::Paper;
        QTest::newRow("knapsack") << AllocMethod::Knapsack;
        QTest::newRow("greedy") << AllocMethod::Greedy;
    }
    void properties()
    {
        QFETCH(AllocMethod, method);
        std::mt19937_64 rng(1000 + int(method));
        int checked = 0;
        for (int trial = 0; trial < 300; ++trial) {
            RandomCase c = randomCase(rng, method);
            AllocationRequest &r = c.request;
            const auto [lo, hi] = budgetRange(r);
            std::vector<double> budgets;
            for (int k = 0; k < 6; ++k)
                budgets.push_back(lo + (hi - lo) * std::uniform_real_distribution<double>(0, 1.05)(rng));
            std::sort(budgets.begin(), budgets.end());
            const int bmin = r.bitSet.front(), bmax = r.bitSet.back();
            std::vector<int> previous;
            for (double b : budgets) {
                r.budget = b;
                const BitPlan p = allocate(r);
                double total = 0;
                for (const PlanUnit &u : p.units)
                    total += double(u.params);
                // Budget: never exceeded by knapsack/greedy; the paper rule rounds to the
                // nearest unit, so it may go over by at most half a unit upgrade.
                const double slack = method == AllocMethod::Paper
                    ? (bmax - bmin) * double(c.maxUnit) / 2.0 / total
                    : 0.0;
                QVERIFY2(p.nominalBits() <= b + slack + 1e-9,
                         qPrintable(QStringLiteral("trial %1: %2 > %3").arg(trial)
                                        .arg(p.nominalBits()).arg(b)));
                std::vector<int> bits;
                for (const PlanUnit &u : p.units) {
                    const auto pin = r.pins.find(u.layer);
                    if (pin != r.pins.end()) {
                        QVERIFY(u.pinned);
                        QCOMPARE(u.bits, pin->second); // pins honoured
                    } else {
                        QVERIFY(std::find(r.bitSet.begin(), r.bitSet.end(), u.bits) !=
                                r.bitSet.end());
                    }
                    bits.push_back(u.bits);
                }
                // Nesting: more budget never lowers a unit's bits (paper and greedy always;
                // the exact knapsack only where its optimum is provably nested: equal sizes).
                if (!previous.empty() && method != AllocMethod::Knapsack)
                    for (std::size_t i = 0; i < bits.size(); ++i)
                        QVERIFY2(bits[i] >= previous[i],
                                 qPrintable(QStringLiteral("trial %1 unit %2").arg(trial).arg(i)));
                previous = bits;
                ++checked;
            }
        }
        QCOMPARE(checked, 1800);
    }

    void knapsackNestedOnEqualLayers()
    {
        // With equal sizes and steps of one bit every upgrade costs the same, so the optimum
        // for a larger budget contains the smaller one's.
        std::mt19937_64 rng(5);
        for (int trial = 0; trial < 60; ++trial) {
            AllocationRequest r;
            r.layers = equalLayers(int(rng() % 20) + 2, 4096, rng());
            r.bitSet = trial % 2 ? std::vector<int>{2, 3, 4} : std::vector<int>{2, 4};
            r.method = AllocMethod::Knapsack;
            std::vector<int> previous;
            for (double b = 2.0; b <= 4.0; b += 0.05) {
                r.budget = b;
                const std::vector<int> bits = allocate(r).layerBits();
                for (std::size_t i = 0; i < previous.size(); ++i)
                    QVERIFY(bits[i] >= previous[i]);
                previous = bits;
            }
        }
    }

    void knapsackIsNotNestedWithEightBits()
    {
        // Why "greedy" exists beside the exact knapsack. Two layers of P = 1000 weights,
        // scores 1 and 0 -> weights 1.01 and 0.01 (lowest score shifted to 1% of the range).
        // Precision 1 - 4^-b: 2 -> 0.9375, 4 -> 0.99609, 8 -> 0.99998.
        // Budget 4.5 (5P above all-2): layer A at 8 needs 6P, so the best is A=4, B=4:
        //   1.01*0.99609 + 0.01*0.99609 = 1.01602 (per P).
        // Budget 5.0 (6P): A=8, B=2: 1.01*0.99998 + 0.01*0.9375 = 1.01936 > {4,4}.
        // So the exact optimum drops layer B from 4 to 2 bits when the budget grows.
        AllocationRequest r;
        r.layers = {{0, 1.0, 1000, {}}, {1, 0.0, 1000, {}}};
        r.bitSet = {2, 3, 4, 8};
        r.method = AllocMethod::Knapsack;
        r.budget = 4.5;
        QCOMPARE(allocate(r).layerBits(), (std::vector<int>{4, 4}));
        r.budget = 5.0;
        QCOMPARE(allocate(r).layerBits(), (std::vector<int>{8, 2}));
        // Greedy takes upgrades by gain per bit (A:2->3, A:3->4, A:4->8, B:2->3, ...) and stops
        // at the first that does not fit: nested, at the price of unused budget at 4.5.
        r.method = AllocMethod::Greedy;
        r.budget = 4.5;
        QCOMPARE(allocate(r).layerBits(), (std::vector<int>{4, 2}));
        r.budget = 5.0;
        QCOMPARE(allocate(r).layerBits(), (std::vector<int>{8, 2}));
    }

    void knapsackLargeModelWithinBudget()
    {
        // A Qwen3-0.6B-shaped model per projection: the grid is coarsened, costs rounded up.
        std::mt19937_64 rng(9);
        AllocationRequest r;
        for (int i = 0; i < 28; ++i)
            r.layers.push_back({i, double(rng() % 1000) / 1000, 0, llamaLinears(1024, 1024, 3072, &rng)});
        r.method = AllocMethod::Knapsack;
        r.perProjection = true;
        r.bitSet = {2, 3, 4, 8};
        for (double b : {2.07, 2.5, 3.3}) {
            r.budget = b;
            const BitPlan p = allocate(r);
            QVERIFY(p.nominalBits() <= b + 1e-12);
            QVERIFY(p.nominalBits() > b - 0.05); // the rounding wastes little
        }
    }

    void fusedGroups()
    {
        std::mt19937_64 rng(21);
        for (int trial = 0; trial < 40; ++trial) {
            AllocationRequest r;
            for (int i = 0; i < 6; ++i)
                r.layers.push_back({i, 0.5, 0, llamaLinears(256, 64, 688, &rng)});
            r.perProjection = true;
            r.method = trial % 2 ? AllocMethod::Knapsack : AllocMethod::Greedy;
            r.bitSet = {2, 3, 4, 8};
            r.budget = 2.0 + double(rng() % 1000) / 500.0;
            const BitPlan p = allocate(r);
            QCOMPARE(p.units.size(), std::size_t(6 * 4)); // qkv, o, gate_up, down
            for (int l = 0; l < 6; ++l) {
                QCOMPARE(p.bitsFor(l, "q_proj"), p.bitsFor(l, "k_proj"));
                QCOMPARE(p.bitsFor(l, "q_proj"), p.bitsFor(l, "v_proj"));
                QCOMPARE(p.bitsFor(l, "gate_proj"), p.bitsFor(l, "up_proj"));
            }
        }
        // Unfused: one unit per projection; a group's score is the mean of its projections.
        AllocationRequest r;
        r.layers.push_back({0, 0.5, 0, llamaLinears(256, 64, 688, &rng)});
        r.perProjection = true;
        r.fuseGroups = false;
        r.budget = 3;
        QCOMPARE(allocate(r).units.size(), std::size_t(7));
        r.fuseGroups = true;
        const auto units = allocationUnits(r);
        const auto &s = r.layers[0].linears;
        QCOMPARE(units[0].group, std::string("qkv"));
        QVERIFY(std::fabs(units[0].score - (s[0].score + s[1].score + s[2].score) / 3) < 1e-15);
        QCOMPARE(units[0].params, std::int64_t(256 * 256 + 2 * 64 * 256));
        // Without projection scores the layer's score is used.
        r.layers[0].linears[4].score = NAN;
        QCOMPARE(allocationUnits(r)[2].score, 0.5);
    }

    void invalidRequests()
    {
        AllocationRequest r;
        QVERIFY_THROWS_EXCEPTION(Error, allocate(r)); // no layers
        r.layers = equalLayers(4, 100, 1);
        r.budget = 3;
        r.layers[1].index = 0;
        QVERIFY_THROWS_EXCEPTION(Error, allocate(r)); // duplicate
        r.layers = equalLayers(4, 100, 1);
        r.pins = {{9, 4}};
        QVERIFY_THROWS_EXCEPTION(Error, allocate(r)); // pin on a missing layer
        r.pins = {{1, 5}};
        QVERIFY_THROWS_EXCEPTION(Error, allocate(r)); // 5 bits
        r.pins.clear();
        r.bitSet = {2, 3, 4};
        QVERIFY_THROWS_EXCEPTION(Error, allocate(r)); // paper needs two widths
        r.bitSet = {2, 6};
        r.method = AllocMethod::Knapsack;
        QVERIFY_THROWS_EXCEPTION(Error, allocate(r));
        r.bitSet = {2, 4};
        r.perProjection = true;
        QVERIFY_THROWS_EXCEPTION(Error, allocate(r)); // no shapes
        r.perProjection = false;
        r.layers[0].params = 0;
        QVERIFY_THROWS_EXCEPTION(Error, allocate(r));
    }

    void defaultMethodByBitSet()
    {
        QCOMPARE(defaultMethod({2, 4}), AllocMethod::Paper);
        QCOMPARE(defaultMethod({4, 2, 4}), AllocMethod::Paper); // duplicates do not count
        QCOMPARE(defaultMethod({2, 3, 4}), AllocMethod::Knapsack);
        QCOMPARE(defaultMethod({2, 3, 4, 8}), AllocMethod::Knapsack);
        QCOMPARE(defaultMethod({4}), AllocMethod::Knapsack);
    }

    void parsing()
    {
        QCOMPARE(parsePins({"3=4", "0=16"}), (std::map<int, int>{{0, 16}, {3, 4}}));
        QVERIFY_THROWS_EXCEPTION(Error, parsePins({"3:4"}));
        QVERIFY_THROWS_EXCEPTION(Error, parsePins({"x=4"}));
        QVERIFY_THROWS_EXCEPTION(Error, parsePins({"3=5"}));
        QVERIFY_THROWS_EXCEPTION(Error, parsePins({"3=4", "3=8"}));
        QCOMPARE(parseBitSet("4,2,4"), (std::vector<int>{2, 4}));
        QCOMPARE(parseBitSet("2,3,4,8"), (std::vector<int>{2, 3, 4, 8}));
        QVERIFY_THROWS_EXCEPTION(Error, parseBitSet("2,16"));
        QVERIFY_THROWS_EXCEPTION(Error, parseBitSet("2,,4"));
        QCOMPARE(methodFromName("knapsack"), AllocMethod::Knapsack);
        QVERIFY_THROWS_EXCEPTION(Error, methodFromName("best"));
    }
};

QTEST_GUILESS_MAIN(TestAllocator)
#include "tst_allocator.moc"
