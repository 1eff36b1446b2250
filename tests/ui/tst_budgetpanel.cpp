// Budget panel: slider and spin box drive the plan (core/alloc), nominal/effective bits and
// sizes follow, pins through the API and through the pin menu, bit sets and fused groups.
#include "core/alloc/allocator.h"
#include "tests/support/testutil.h"
#include "core/alloc/measured_plan.h"
#include "core/util/error.h"
#include "ui/budgetpanel.h"
#include "ui/damagechart.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QStandardItemModel>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QMenu>
#include <QSignalSpy>
#include <QSlider>
#include <QTest>

#include <cmath>

using namespace lieq::ui;

namespace {
// A Qwen3-0.6B-shaped config (28 layers), as config.json would give it.
lieq::ModelConfig qwenLike()
{
    lieq::ModelConfig c;
    c.arch = lieq::Architecture::Qwen3;
    c.modelType = "qwen3";
    c.numLayers = 28;
    c.hiddenSize = 1024;
    c.intermediateSize = 3072;
    c.numHeads = 16;
    c.numKvHeads = 8;
    c.headDim = 128;
    c.vocabSize = 151936;
    return c;
}
std::vector<double> scores()
{
    std::vector<double> s(28);
    for (int i = 0; i < 28; ++i)
        s[std::size_t(i)] = std::fmod(i * 0.37, 1.0); // distinct, shuffled order
    return s;
}
int layersAt(const lieq::alloc::BitPlan &p, int bits)
{
    int n = 0;
    for (int b : p.layerBits())
        n += b == bits ? 1 : 0;
    return n;
}
} // namespace

class TestBudgetPanel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void noModelNoPlan()
    {
        BudgetPanel panel;
        QVERIFY(!panel.plan().has_value());
    }

    // The paper's setting: 2 + 2/L bits gives one 4-bit layer, the top-scored one.
    void paperSetting()
    {
        BudgetPanel panel;
        panel.setModel(qwenLike(), 151936 * 1024);
        panel.setScores(scores());
        panel.setBudget(2.07);
        QVERIFY(panel.plan().has_value());
        const auto &p = *panel.plan();
        QCOMPARE(layersAt(p, 4), 1);
        const auto s = scores();
        const int top = int(std::max_element(s.begin(), s.end()) - s.begin());
        QCOMPARE(p.layerBits()[std::size_t(top)], 4);
        QVERIFY(std::abs(p.nominalBits() - (2.0 + 2.0 / 28)) < 1e-9);
        QCOMPARE(panel.sizes().size(), std::size_t(2));
        QVERIFY(panel.sizes()[0].effectiveBits > p.nominalBits()); // scales and zeros cost bits
        QVERIFY(panel.findChild<QLabel *>(QStringLiteral("budgetSummary"))->text().contains(QStringLiteral("2.0714")));
    }

    // The first budget offered is the paper's setting for the loaded model, 2 + 2/L (rounded up
    // to the spin box's 0.01): exactly one 4-bit layer with every method.
    void firstBudgetRaisesOneLayer_data()
    {
        QTest::addColumn<int>("layers");
        QTest::addColumn<int>("method");
        QTest::addColumn<double>("budget");
        for (const auto &[layers, budget] : {std::pair{5, 2.4}, {16, 2.13}, {28, 2.08}, {36, 2.06}})
            for (const auto m : {lieq::alloc::AllocMethod::Paper, lieq::alloc::AllocMethod::Knapsack,
                                 lieq::alloc::AllocMethod::Greedy})
                QTest::addRow("%d layers, method %d", layers, int(m)) << layers << int(m) << budget;
    }
    void firstBudgetRaisesOneLayer()
    {
        QFETCH(int, layers);
        QFETCH(int, method);
        QFETCH(double, budget);
        lieq::ModelConfig c = qwenLike();
        c.numLayers = layers;
        BudgetPanel panel;
        panel.setMethod(lieq::alloc::AllocMethod(method));
        panel.setModel(c, 0);
        QCOMPARE(panel.budget(), budget);
        std::vector<double> s(std::size_t(layers), 0.1);
        s[std::size_t(layers / 2)] = 1.0;
        panel.setScores(s);
        QVERIFY(panel.plan().has_value());
        QCOMPARE(layersAt(*panel.plan(), 4), 1);
        QCOMPARE(panel.plan()->layerBits()[std::size_t(layers / 2)], 4);
    }

    // Issue 16: the panel's "Plan from" list picks what decides the raised layers. Drivers
    // without their data are disabled (with the reason); rules need none; with a measure pass
    // the measured-gain plan, its predicted KL and the damage-vs-bits curves appear.
    void driversDecideTheRaisedLayers()
    {
        lieq::ModelConfig c = qwenLike();
        c.numLayers = 16;
        BudgetPanel panel;
        panel.setModel(c, 0);
        std::vector<double> dr(16, 0.1);
        dr[5] = 1.0;
        panel.setScores(dr);
        auto raised = [&panel] { return lieq::alloc::raisedLayers(*panel.plan()); };
        QCOMPARE(panel.driver(), std::string("dr"));
        QCOMPARE(raised(), std::vector<int>{5});
        auto *box = panel.findChild<QComboBox *>(QStringLiteral("planDriver"));
        QVERIFY(box);
        auto *items = qobject_cast<QStandardItemModel *>(box->model());
        const int dppl = box->findData(QStringLiteral("dppl"));
        QVERIFY(!items->item(dppl)->isEnabled());
        QVERIFY(!box->itemData(dppl, Qt::ToolTipRole).toString().isEmpty());
        QVERIFY(!panel.predictedDamage().has_value());
        QCOMPARE(panel.damageChart()->curvePointCount(), 0);

        panel.setDriver("first");
        QCOMPARE(raised(), std::vector<int>{0});
        panel.setDriver("last");
        QCOMPARE(raised(), std::vector<int>{15});

        std::vector<double> byDppl(16, 1.0);
        byDppl[3] = 50.0;
        panel.planDriver().setSeries("dppl", byDppl);
        panel.driverDataChanged();
        QVERIFY(items->item(dppl)->isEnabled());
        panel.setDriver("dppl");
        QCOMPARE(raised(), std::vector<int>{3});

        std::vector<double> gains(16, 0.001), klLow(16, 0.01);
        gains[7] = 0.08;
        panel.planDriver().setMeasure(gains, klLow, 0.2, 2, 4);
        panel.driverDataChanged();
        panel.setDriver("measured");
        QCOMPARE(raised(), std::vector<int>{7});
        QVERIFY(panel.predictedDamage().has_value());
        QVERIFY(std::abs(*panel.predictedDamage() - 0.12) < 1e-12);
        QVERIFY(panel.findChild<QLabel *>(QStringLiteral("budgetSummary"))->text().contains(QStringLiteral("0.1200")));
        QCOMPARE(panel.damageChart()->curvePointCount() > 0, true);
        QVERIFY(panel.damageChart()->hasCurrent());
        panel.setDriver("dppl"); // layer 3's gain is 0.001: predicted 0.199
        QVERIFY(std::abs(*panel.predictedDamage() - 0.199) < 1e-12);

        // Another model: its own data only; the measured driver falls back to dr.
        panel.setDriver("measured");
        panel.setModel(c, 0);
        QCOMPARE(panel.driver(), std::string("dr"));
        QVERIFY(!items->item(box->findData(QStringLiteral("measured")))->isEnabled());
        QVERIFY_THROWS_EXCEPTION(lieq::Error, panel.setDriver("no-such-driver"));
    }

    void sliderMovesChangeThePlan_data()
    {
        QTest::addColumn<int>("sliderValue");
        QTest::addColumn<int>("fourBitLayers");
        QTest::newRow("2.00") << 200 << 0;
        QTest::newRow("2.50") << 250 << 7;
        QTest::newRow("3.00") << 300 << 14;
        QTest::newRow("4.00") << 400 << 28;
    }
    void sliderMovesChangeThePlan()
    {
        QFETCH(int, sliderValue);
        QFETCH(int, fourBitLayers);
        BudgetPanel panel;
        panel.setModel(qwenLike(), 0);
        panel.setScores(scores());
        QSignalSpy changed(&panel, &BudgetPanel::planChanged);
        panel.slider()->setValue(sliderValue == panel.slider()->value() ? sliderValue - 1 : sliderValue);
        panel.slider()->setValue(sliderValue);
        QVERIFY(changed.count() >= 1);
        QCOMPARE(panel.spinBox()->value(), sliderValue / 100.0);
        QCOMPARE(layersAt(*panel.plan(), 4), fourBitLayers);
        QCOMPARE(changed.last().first().value<lieq::alloc::BitPlan>().budget, sliderValue / 100.0);
    }

    void spinBoxMovesSlider()
    {
        BudgetPanel panel;
        panel.setModel(qwenLike(), 0);
        panel.spinBox()->setValue(3.21);
        QCOMPARE(panel.slider()->value(), 321);
        QCOMPARE(panel.plan()->budget, 3.21);
    }

    // More budget never lowers any layer (the greedy method's promise, checked on the GUI's
    // plans as the slider sweeps).
    void sweepIsMonotone()
    {
        BudgetPanel panel;
        panel.setModel(qwenLike(), 0);
        panel.setScores(scores());
        panel.setMethod(lieq::alloc::AllocMethod::Greedy);
        std::vector<int> prev(28, 0);
        for (int v = 200; v <= 400; v += 5) {
            panel.slider()->setValue(v);
            const auto bits = panel.plan()->layerBits();
            for (int l = 0; l < 28; ++l)
                QVERIFY(bits[std::size_t(l)] >= prev[std::size_t(l)]);
            QVERIFY(panel.plan()->nominalBits() <= v / 100.0 + 1e-9);
            prev = bits;
        }
    }

    void pinningALayer_data()
    {
        QTest::addColumn<int>("layer");
        QTest::addColumn<int>("bits");
        QTest::newRow("lowest to 4") << 0 << 4;
        QTest::newRow("keep 16-bit") << 5 << 16;
        QTest::newRow("8-bit") << 27 << 8;
    }
    void pinningALayer()
    {
        QFETCH(int, layer);
        QFETCH(int, bits);
        BudgetPanel panel;
        panel.setModel(qwenLike(), 0);
        panel.setScores(scores());
        panel.setMethod(lieq::alloc::AllocMethod::Knapsack);
        panel.setBudget(3.5);
        QSignalSpy pins(&panel, &BudgetPanel::pinsChanged);
        panel.pinLayer(layer, bits);
        QCOMPARE(pins.count(), 1);
        QCOMPARE(panel.plan()->layerBits()[std::size_t(layer)], bits);
        QCOMPARE(panel.plan()->pins.at(layer), bits);
        panel.unpinLayer(layer);
        QVERIFY(panel.plan()->pins.empty());
    }

    // Clicking a layer opens the pin menu; choosing an entry pins it.
    void pinThroughMenu()
    {
        BudgetPanel panel;
        panel.setModel(qwenLike(), 0);
        panel.setBudget(3.0);
        panel.show();
        QSignalSpy selected(&panel, &BudgetPanel::layerSelected);
        panel.showPinMenu(7);
        QCOMPARE(selected.count(), 1);
        QTRY_VERIFY(panel.pinMenu()->isVisible());
        QAction *keep16 = nullptr;
        for (QAction *a : panel.pinMenu()->actions())
            if (a->data().toInt() == 16)
                keep16 = a;
        QVERIFY(keep16);
        keep16->trigger();
        panel.pinMenu()->hide();
        QCOMPARE(panel.pins().at(7), 16);
        QCOMPARE(panel.plan()->layerBits()[7], 16);
    }

    // Pins that need more than the budget are refused with core's message; no crash, and the
    // last valid plan stays.
    void infeasiblePinsShowError()
    {
        BudgetPanel panel;
        panel.setModel(qwenLike(), 0);
        panel.setBudget(2.1);
        const double before = panel.plan()->nominalBits();
        for (int l = 0; l < 10; ++l)
            panel.pinLayer(l, 16);
        QVERIFY(!panel.errorText().isEmpty());
        QCOMPARE(panel.plan()->nominalBits(), before);
        QVERIFY(panel.plan()->pins.size() < 10);
    }

    void bitSetsAndFusedGroups()
    {
        BudgetPanel panel;
        panel.setModel(qwenLike(), 0);
        panel.setScores(scores());
        panel.setMethod(lieq::alloc::AllocMethod::Knapsack);
        panel.setBitSet({2, 3, 4});
        QCOMPARE(panel.slider()->minimum(), 200);
        QCOMPARE(panel.slider()->maximum(), 400);
        panel.setBudget(3.0);
        QVERIFY(panel.errorText().isEmpty());
        QCOMPARE(panel.plan()->bitSet, (std::vector<int>{2, 3, 4}));
        panel.setBitSet({2, 8});
        QCOMPARE(panel.slider()->maximum(), 800);
        auto *perProj = panel.findChildren<QCheckBox *>().at(4); // 2,3,4,8, per projection
        perProj->setChecked(true);
        QVERIFY(panel.plan()->perProjection);
        QVERIFY(panel.plan()->fuseGroups);
        // Fused: q/k/v share bits within every layer.
        for (int l = 0; l < 28; ++l)
            QCOMPARE(panel.plan()->bitsFor(l, "q_proj"), panel.plan()->bitsFor(l, "v_proj"));
    }
};

QTEST_MAIN(TestBudgetPanel)
#include "tst_budgetpanel.moc"
