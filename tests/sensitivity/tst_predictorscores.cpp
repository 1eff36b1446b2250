// Scoring predictors against measured gains: the demo-model pattern (one layer matters,
// the rest are noise-sized) where a predictor with a high rank correlation still captures almost
// none of the best gain; shares, top-choice ranks, Spearman/Kendall and their bootstrap intervals
// against the statistics module, the winner, constant predictors and count mismatches.
#include "core/alloc/baseline_plans.h"
#include "core/sensitivity/predictor_scores.h"
#include "core/util/error.h"

#include <QTest>

#include <cmath>

using namespace lieq;
using namespace lieq::sensitivity;

namespace {

alloc::AllocationRequest request(int layers, int protect)
{
    alloc::AllocationRequest r;
    for (int i = 0; i < layers; ++i)
        r.layers.push_back({i, 0.0, 1000, {}});
    r.bitSet = {2, 4};
    r.budget = 2.0 + 2.0 * protect / layers;
    return r;
}

// Layer 0 dominates; the others are small and ordered 1 < 2 < ... < 7.
const std::vector<double> kGains{0.0380, 0.0001, 0.0002, 0.0003, 0.0004, 0.0005, 0.0006, 0.0007};

const PredictorScore &find(const PredictorReport &r, const std::string &name)
{
    for (const PredictorScore &p : r.predictors)
        if (p.name == name)
            return p;
    throw Error("no predictor " + name);
}

} // namespace

class TestPredictorScores : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void highCorrelationLowShare()
    {
        // "dr" orders layers 1..7 exactly like the gains but ranks layer 0 only third lowest.
        const std::vector<double> dr{0.35, 0.1, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8};
        const std::vector<double> dppl{3000, 7, 10, 11, 19, 8, 35, 23};
        const PredictorReport r = scorePredictors(request(8, 1), kGains,
                                                  {{"dr", dr}, {"dppl", dppl}, {"measured", kGains}});
        QCOMPARE(r.bestLayers, std::vector<int>{0});
        QCOMPARE(r.bestGain, 0.0380);
        const PredictorScore &d = find(r, "dr");
        QCOMPARE(d.protectedLayers, std::vector<int>{7});
        QCOMPARE(d.topChoice, 7);
        QCOMPARE(d.topChoiceRank, 2);
        QVERIFY(std::abs(d.share - 0.0007 / 0.0380) < 1e-12); // 1.8%
        QVERIFY(d.spearman.coefficient > 0.5);                // yet a high rank correlation
        QCOMPARE(d.spearman.coefficient, analysis::spearman(dr, kGains).coefficient);
        QCOMPARE(d.kendall.coefficient, analysis::kendallTauB(dr, kGains).coefficient);
        QVERIFY(d.spearmanCi.low <= d.spearman.coefficient && d.spearman.coefficient <= d.spearmanCi.high);
        QVERIFY(d.kendallCi.validResamples > 0);

        const PredictorScore &p = find(r, "dppl");
        QCOMPARE(p.protectedLayers, std::vector<int>{0});
        QCOMPARE(p.share, 1.0);
        QCOMPARE(p.topChoiceRank, 1);
        QCOMPARE(find(r, "measured").share, 1.0);
        QCOMPARE(r.winner, std::string("dppl")); // first listed among the equals
        QVERIFY(formatPredictorReport(r).find("best achievable gain: dppl") != std::string::npos);
    }

    void severalLayersAndBaselines()
    {
        const alloc::AllocationRequest req = request(8, 3);
        std::vector<std::pair<std::string, std::vector<double>>> preds;
        for (alloc::BaselineRule rule : {alloc::BaselineRule::First, alloc::BaselineRule::Last})
            preds.push_back({alloc::baselineRuleName(rule),
                             alloc::baselinePriorities(rule, req.layers)});
        const PredictorReport r = scorePredictors(req, kGains, preds);
        QCOMPARE(r.bestLayers, (std::vector<int>{0, 6, 7}));
        QVERIFY(std::abs(r.bestGain - (0.0380 + 0.0006 + 0.0007)) < 1e-15);
        const PredictorScore &first = find(r, "first");
        QCOMPARE(first.protectedLayers, (std::vector<int>{0, 1, 2}));
        QVERIFY(std::abs(first.share - 0.0383 / 0.0393) < 1e-12);
        QCOMPARE(find(r, "last").protectedLayers, (std::vector<int>{5, 6, 7}));
        QCOMPARE(r.winner, std::string("first"));
    }

    void ranks_data()
    {
        QTest::addColumn<int>("entry");
        QTest::addColumn<int>("rank");
        QTest::newRow("largest") << 0 << 1;
        QTest::newRow("smallest") << 1 << 8;
        QTest::newRow("middle") << 4 << 5;
    }

    void ranks()
    {
        QFETCH(int, entry);
        QFETCH(int, rank);
        QCOMPARE(singleLayerRank(kGains, std::size_t(entry)), rank);
        QCOMPARE(singleLayerRank({0.1, 0.2, 0.2}, 1), 1); // ties share the better rank
    }

    void degenerateInputs()
    {
        // A constant predictor has no rank correlation; no positive gain means no share.
        const PredictorReport r = scorePredictors(request(4, 1), {-0.01, -0.02, 0.0, -0.001},
                                                  {{"flat", {1, 1, 1, 1}}});
        QVERIFY(std::isnan(r.predictors[0].spearman.coefficient));
        QVERIFY(std::isnan(r.predictors[0].share));
        QVERIFY(r.bestLayers.empty());
        QCOMPARE(r.winner, std::string());
        QVERIFY_THROWS_EXCEPTION(Error, scorePredictors(request(4, 1), {0.1, 0.2}, {}));
        QVERIFY_THROWS_EXCEPTION(Error, scorePredictors(request(4, 1), {0.1, 0.2, 0.3, 0.4},
                                                        {{"short", {1, 2}}}));
    }
};

QTEST_GUILESS_MAIN(TestPredictorScores)
#include "tst_predictorscores.moc"
