// Correlation statistics against values computed by hand (the computation is written next to
// each case) and against scipy's documented examples.
#include "core/analysis/statistics.h"
#include "core/util/error.h"

#include <QTest>
#include <cmath>
#include <random>

using namespace lieq;
using namespace lieq::analysis;

using Vec = std::vector<double>;
Q_DECLARE_METATYPE(Vec)
Q_DECLARE_METATYPE(lieq::analysis::CorrelationMethod)
Q_DECLARE_METATYPE(lieq::analysis::KendallPMethod)

namespace {
constexpr double kPi = 3.14159265358979323846;
}

class TestStatistics : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void averageRanks_data()
    {
        QTest::addColumn<Vec>("values");
        QTest::addColumn<Vec>("ranks");
        QTest::newRow("distinct") << Vec{3, 1, 2} << Vec{3, 1, 2};
        // 20 and 20 share ranks 2 and 3 -> 2.5 each
        QTest::newRow("pair tie") << Vec{10, 20, 20, 30} << Vec{1, 2.5, 2.5, 4};
        // three 5s span ranks 2..4 -> 3
        QTest::newRow("triple tie") << Vec{5, 1, 5, 5, 9} << Vec{3, 1, 3, 3, 5};
        QTest::newRow("all equal") << Vec{7, 7, 7} << Vec{2, 2, 2};
    }
    void averageRanks()
    {
        QFETCH(Vec, values);
        QFETCH(Vec, ranks);
        QCOMPARE(lieq::analysis::averageRanks(values), ranks);
    }

    void incompleteBeta_data()
    {
        QTest::addColumn<double>("a");
        QTest::addColumn<double>("b");
        QTest::addColumn<double>("x");
        QTest::addColumn<double>("expected");
        // I_x(1,1) = x (uniform CDF)
        QTest::newRow("uniform") << 1.0 << 1.0 << 0.37 << 0.37;
        // I_x(a,1) = x^a: 0.6^3 = 0.216
        QTest::newRow("power") << 3.0 << 1.0 << 0.6 << 0.216;
        // I_x(1,b) = 1 - (1-x)^b: 1 - 0.8^4 = 0.5904
        QTest::newRow("reflected power") << 1.0 << 4.0 << 0.2 << 0.5904;
        // I_x(2,3) = P(Bin(4,x) >= 2) = 1 - 0.7^4 - 4*0.3*0.7^3 = 1 - 0.2401 - 0.4116 = 0.3483
        QTest::newRow("binomial link") << 2.0 << 3.0 << 0.3 << 0.3483;
        // symmetry: I_{1/2}(a,a) = 1/2
        QTest::newRow("symmetric") << 7.5 << 7.5 << 0.5 << 0.5;
        // I_x(1/2,1/2) = (2/pi) asin(sqrt x): x = 1/4 -> (2/pi)(pi/6) = 1/3
        QTest::newRow("arcsine") << 0.5 << 0.5 << 0.25 << 1.0 / 3.0;
    }
    void incompleteBeta()
    {
        QFETCH(double, a);
        QFETCH(double, b);
        QFETCH(double, x);
        QFETCH(double, expected);
        QVERIFY2(std::fabs(regularizedIncompleteBeta(a, b, x) - expected) < 1e-12,
                 qPrintable(QString::number(regularizedIncompleteBeta(a, b, x), 'g', 17)));
    }

    void studentT()
    {
        // 1 dof is the Cauchy distribution: P(|T| >= 1) = 1 - (2/pi) atan(1) = 1/2.
        QVERIFY(std::fabs(studentTTwoSidedP(1.0, 1.0) - 0.5) < 1e-13);
        // 2 dof: P(|T| >= t) = 1 - t / sqrt(2 + t^2); t = 1 -> 1 - 1/sqrt(3).
        QVERIFY(std::fabs(studentTTwoSidedP(1.0, 2.0) - (1.0 - 1.0 / std::sqrt(3.0))) < 1e-13);
        QVERIFY(std::fabs(studentTTwoSidedP(-3.0, 2.0) - (1.0 - 3.0 / std::sqrt(11.0))) < 1e-13);
        // very many dof -> the normal: 1.959963984540054 is the 97.5% normal quantile
        QVERIFY(std::fabs(studentTTwoSidedP(1.959963984540054, 1e7) - 0.05) < 1e-6);
        QVERIFY(std::fabs(normalTwoSidedP(1.959963984540054) - 0.05) < 1e-14);
        QCOMPARE(normalTwoSidedP(0.0), 1.0);
        QCOMPARE(studentTTwoSidedP(INFINITY, 5.0), 0.0);
    }

    void correlations_data()
    {
        QTest::addColumn<CorrelationMethod>("method");
        QTest::addColumn<Vec>("x");
        QTest::addColumn<Vec>("y");
        QTest::addColumn<double>("coefficient");
        QTest::addColumn<double>("pValue");
        QTest::addColumn<double>("tolerance");

        // x = 1,2,3; y = 1,3,2: deviations (-1,0,1) and (-1,1,0): Sxy = 1, Sxx = Syy = 2,
        // r = 1/2. t = r sqrt(1/(1-r^2)) = 1/sqrt(3) with 1 dof (Cauchy):
        // p = 1 - (2/pi) atan(1/sqrt 3) = 1 - (2/pi)(pi/6) = 2/3.
        QTest::newRow("pearson n=3 by hand")
            << CorrelationMethod::Pearson << Vec{1, 2, 3} << Vec{1, 3, 2} << 0.5 << 2.0 / 3.0 << 1e-13;
        // x = 1..4, y = 1,3,2,4: deviations (-1.5,-.5,.5,1.5), (-1.5,.5,-.5,1.5): Sxy = 4,
        // Sxx = Syy = 5, r = 0.8. With 2 dof, p = 1 - t/sqrt(2+t^2) = 1 - |r| = 0.2.
        QTest::newRow("pearson n=4 by hand")
            << CorrelationMethod::Pearson << Vec{1, 2, 3, 4} << Vec{1, 3, 2, 4} << 0.8 << 0.2 << 1e-13;
        // scipy.stats.pearsonr documented example:
        // PearsonRResult(statistic=-0.828503883588428, pvalue=0.021280260007523286)
        QTest::newRow("pearson scipy doc")
            << CorrelationMethod::Pearson << Vec{1, 2, 3, 4, 5, 6, 7} << Vec{10, 9, 2.5, 6, 4, 3, 2}
            << -0.828503883588428 << 0.021280260007523286 << 1e-12;
        // No ties: 1 - 6 sum d^2 / (n(n^2-1)); d = (-1,1,-1,1,0), sum d^2 = 4 -> 1 - 24/120 = 0.8.
        // n = 5: t = 0.8 sqrt(3/0.36) = 4/sqrt(3). With 3 dof the t tail has a closed form,
        // p = 1 - (2/pi)(atan(u) + u/(1+u^2)), u = t/sqrt(3) = 4/3: u/(1+u^2) = (4/3)/(25/9) = 0.48.
        QTest::newRow("spearman no ties by hand")
            << CorrelationMethod::Spearman << Vec{1, 2, 3, 4, 5} << Vec{2, 1, 4, 3, 5} << 0.8
            << 1.0 - (2.0 / kPi) * (std::atan(4.0 / 3.0) + 0.48) << 1e-13;
        // y = 5,6,7,8,7 ranks 1,2,3.5,5,3.5; rank deviations (-2,-1,0,1,2), (-2,-1,.5,2,.5):
        // Sxy = 4+1+0+2+1 = 8, Sxx = 10, Syy = 9.5 -> rho = 8/sqrt(95) = 0.8207826816681233.
        // scipy.stats.spearmanr documented example: pvalue 0.08858700531354381.
        QTest::newRow("spearman ties scipy doc")
            << CorrelationMethod::Spearman << Vec{1, 2, 3, 4, 5} << Vec{5, 6, 7, 8, 7}
            << 0.8207826816681233 << 0.08858700531354381 << 1e-12;
        QTest::newRow("spearman monotone nonlinear")
            << CorrelationMethod::Spearman << Vec{1, 2, 3, 4, 5} << Vec{1, 8, 27, 64, 125} << 1.0
            << 0.0 << 1e-15;
        // Pairs of x = 12,2,1,12,2 / y = 1,4,7,1,0: (0,4),(3,4) concordant; (0,1),(0,2),(1,2),
        // (1,3),(2,3),(2,4) discordant; (1,4) tied in x only; (0,3) tied in both.
        // C = 2, D = 6, T = 1, U = 0: tau_b = -4 / sqrt(9 * 8) = -0.47140452079103173.
        // Var(C-D): x ties {12,12},{2,2}: sum t(t-1)(2t+5) = 36, y ties {1,1}: 18,
        // (20*15 - 36 - 18)/18 + 2*2*1/20 = 13.8667; z = -4/3.7238 = -1.0742 -> p = 0.28275.
        // scipy.stats.kendalltau documented example: (-0.47140452079103173, 0.2827454599327748).
        QTest::newRow("kendall ties scipy doc")
            << CorrelationMethod::Kendall << Vec{12, 2, 1, 12, 2} << Vec{1, 4, 7, 1, 0}
            << -0.47140452079103173 << 0.2827454599327748 << 1e-12;
        // No ties, one inversion among 10 pairs: tau = (9-1)/10 = 0.8. Exact: of the 120
        // orders, 1 has 0 inversions and 4 have 1; p = 2 * 5/120 = 1/12.
        QTest::newRow("kendall exact one inversion")
            << CorrelationMethod::Kendall << Vec{1, 2, 3, 4, 5} << Vec{2, 1, 3, 4, 5} << 0.8
            << 1.0 / 12.0 << 1e-14;
        // Perfect order of 4: p = 2/4! = 1/12.
        QTest::newRow("kendall exact perfect")
            << CorrelationMethod::Kendall << Vec{1, 2, 3, 4} << Vec{10, 20, 30, 40} << 1.0
            << 1.0 / 12.0 << 1e-14;
    }
    void correlations()
    {
        QFETCH(CorrelationMethod, method);
        QFETCH(Vec, x);
        QFETCH(Vec, y);
        QFETCH(double, coefficient);
        QFETCH(double, pValue);
        QFETCH(double, tolerance);
        const Correlation c = correlate(method, x, y);
        QCOMPARE(c.n, x.size());
        QVERIFY2(std::fabs(c.coefficient - coefficient) < 1e-12,
                 qPrintable(QString::number(c.coefficient, 'g', 17)));
        QVERIFY2(std::fabs(c.pValue - pValue) < tolerance,
                 qPrintable(QString::number(c.pValue, 'g', 17)));
        // Symmetric in its arguments.
        const Correlation swapped = correlate(method, y, x);
        QVERIFY(std::fabs(swapped.coefficient - c.coefficient) < 1e-14);
    }

    void kendallPValueMethods()
    {
        // Asymptotic on tie-free data is the plain normal approximation: var = n(n-1)(2n+5)/18.
        // n = 5, C - D = 8: var = 20*15/18 = 16.667, z = 8/4.0825 = 1.9596 -> p = 0.05004.
        const Vec x{1, 2, 3, 4, 5}, y{2, 1, 3, 4, 5};
        const Correlation a = kendallTauB(x, y, KendallPMethod::Asymptotic);
        QCOMPARE(a.pMethod, std::string("normal"));
        QVERIFY(std::fabs(a.pValue - normalTwoSidedP(8.0 / std::sqrt(300.0 / 18.0))) < 1e-14);

        // Ties, exact by enumeration. x = 1,1,2 / y = 1,2,3: C = 2, D = 0, observed |C-D| = 2.
        // Over the 6 orders of y only pairs (0,2),(1,2) count: |C-D| = 2 exactly when y2 is the
        // largest or smallest value, 4 orders of 6 -> p = 2/3.
        const Correlation e = kendallTauB(Vec{1, 1, 2}, Vec{1, 2, 3}, KendallPMethod::Exact);
        QCOMPARE(e.pMethod, std::string("permutation"));
        QVERIFY(std::fabs(e.coefficient - 2.0 / std::sqrt(6.0)) < 1e-14);
        QVERIFY(std::fabs(e.pValue - 2.0 / 3.0) < 1e-14);

        // On the scipy example (ties) the enumeration gives a multiple of 1/5!.
        const Correlation s = kendallTauB(Vec{12, 2, 1, 12, 2}, Vec{1, 4, 7, 1, 0},
                                          KendallPMethod::Exact);
        QVERIFY(s.pValue > 0 && s.pValue <= 1);
        QVERIFY(std::fabs(s.pValue * 120 - std::round(s.pValue * 120)) < 1e-9); // k/5!

        // Auto uses the exact distribution without ties up to n = 33 (as scipy does).
        Vec big(20), rev(20);
        for (int i = 0; i < 20; ++i) {
            big[std::size_t(i)] = i;
            rev[std::size_t(i)] = 19 - i;
        }
        const Correlation r = kendallTauB(big, rev);
        QCOMPARE(r.pMethod, std::string("exact"));
        QCOMPARE(r.coefficient, -1.0);
        // p = 2 / 20!
        QVERIFY(std::fabs(r.pValue / (2.0 / 2432902008176640000.0) - 1.0) < 1e-9);

        // Ties and n = 11: 11! orders are too many to enumerate.
        Vec tied(11, 1.0), distinct(11);
        tied[0] = 2;
        for (std::size_t i = 0; i < distinct.size(); ++i)
            distinct[i] = double(i);
        QVERIFY_THROWS_EXCEPTION(lieq::Error,
                                 kendallTauB(tied, distinct, KendallPMethod::Exact));
    }

    void exactMatchesEnumerationWithoutTies()
    {
        // Without ties the exact p comes from the inversion-count distribution; it must equal
        // the share of all 720 orders of 6 values whose |C-D| reaches the observed one.
        std::mt19937 rng(7);
        for (int trial = 0; trial < 5; ++trial) {
            Vec x{1, 2, 3, 4, 5, 6}, y{1, 2, 3, 4, 5, 6};
            std::shuffle(y.begin(), y.end(), rng);
            const Correlation exact = kendallTauB(x, y, KendallPMethod::Exact);
            // Count by hand over all 720 orders.
            Vec perm = y;
            std::sort(perm.begin(), perm.end());
            const double obs = std::fabs(exact.coefficient) * 15.0;
            int hits = 0, total = 0;
            do {
                int s = 0;
                for (int i = 0; i < 6; ++i)
                    for (int j = i + 1; j < 6; ++j)
                        s += (perm[std::size_t(j)] > perm[std::size_t(i)]) ? 1 : -1;
                hits += std::abs(s) >= obs - 1e-9;
                ++total;
            } while (std::next_permutation(perm.begin(), perm.end()));
            QVERIFY(std::fabs(exact.pValue - double(hits) / total) < 1e-12);
        }
    }

    void constantInputGivesNaN()
    {
        const Correlation c = pearson(Vec{1, 2, 3}, Vec{4, 4, 4});
        QVERIFY(std::isnan(c.coefficient));
        QVERIFY(std::isnan(c.pValue));
        QVERIFY(std::isnan(spearman(Vec{1, 1, 1}, Vec{1, 2, 3}).coefficient));
        QVERIFY(std::isnan(kendallTauB(Vec{1, 1, 1}, Vec{1, 2, 3}).coefficient));
    }

    void badInputThrows()
    {
        QVERIFY_THROWS_EXCEPTION(lieq::Error, pearson(Vec{1, 2, 3}, Vec{1, 2}));
        QVERIFY_THROWS_EXCEPTION(lieq::Error, spearman(Vec{1, 2}, Vec{1, 2}));
        QVERIFY_THROWS_EXCEPTION(lieq::Error, kendallTauB(Vec{1, NAN, 3}, Vec{1, 2, 3}));
        QVERIFY_THROWS_EXCEPTION(lieq::Error,
                                 bootstrapCi(CorrelationMethod::Pearson, Vec{1, 2, 3},
                                             Vec{1, 2, 3}, 0));
    }

    void bootstrapIsSeededAndSane()
    {
        const Vec x{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, y{2, 1, 4, 3, 6, 5, 8, 7, 10, 9};
        const auto a = bootstrapCi(CorrelationMethod::Spearman, x, y, 500, 0.95, 42);
        const auto b = bootstrapCi(CorrelationMethod::Spearman, x, y, 500, 0.95, 42);
        const auto c = bootstrapCi(CorrelationMethod::Spearman, x, y, 500, 0.95, 43);
        QCOMPARE(a.low, b.low);
        QCOMPARE(a.high, b.high);
        QVERIFY(a.low != c.low || a.high != c.high);
        QVERIFY(a.low <= a.estimate && a.estimate <= a.high);
        QVERIFY(a.high <= 1.0 && a.low > 0.5);
        QCOMPARE(a.resamples, 500);
        QVERIFY(a.validResamples > 490); // a resample of 10 equal pairs is the only NaN case
        // A perfectly monotone relation stays perfect in every resample.
        Vec cube(x.size());
        for (std::size_t i = 0; i < x.size(); ++i)
            cube[i] = x[i] * x[i] * x[i];
        const auto m = bootstrapCi(CorrelationMethod::Kendall, x, cube, 300, 0.9, 1);
        QCOMPARE(m.low, 1.0);
        QCOMPARE(m.high, 1.0);
    }

    void bootstrapCoversTrueCorrelation()
    {
        // Bivariate normal with rho = 0.6, n = 40: the 90% percentile interval should cover
        // the true Pearson correlation in roughly 90% of repeated samples (it undercovers a
        // little at this n); 200 samples give a binomial sd of about 2 points.
        std::mt19937_64 rng(2024);
        std::normal_distribution<double> normal;
        const double rho = 0.6;
        int covered = 0;
        const int trials = 200;
        for (int t = 0; t < trials; ++t) {
            Vec x(40), y(40);
            for (std::size_t i = 0; i < x.size(); ++i) {
                const double u = normal(rng), v = normal(rng);
                x[i] = u;
                y[i] = rho * u + std::sqrt(1 - rho * rho) * v;
            }
            const auto ci = bootstrapCi(CorrelationMethod::Pearson, x, y, 400, 0.90,
                                        std::uint64_t(t));
            covered += ci.low <= rho && rho <= ci.high;
        }
        QVERIFY2(covered >= 160 && covered <= 195, qPrintable(QString::number(covered)));
    }

    void rankStabilityCases()
    {
        const Vec a{0.9, 0.1, 0.5, 0.7, 0.3, 0.2, 0.8, 0.4};
        const auto same = rankStability(a, a, 2);
        QCOMPARE(same.spearman.coefficient, 1.0);
        QCOMPARE(same.topKOverlap, std::size_t(2));
        QCOMPARE(same.orderA, (std::vector<std::size_t>{0, 6, 3, 2, 7, 4, 5, 1}));

        Vec rev(a.size());
        for (std::size_t i = 0; i < a.size(); ++i)
            rev[i] = -a[i];
        const auto opposite = rankStability(a, rev, 2);
        QCOMPARE(opposite.spearman.coefficient, -1.0);
        QCOMPARE(opposite.kendall.coefficient, -1.0);
        QCOMPARE(opposite.topKOverlap, std::size_t(0));

        // Swap the two best layers and the two worst of b: the top-2 set is unchanged,
        // sum d^2 = 1+1+1+1 = 4 over n = 8: rho = 1 - 6*4/(8*63) = 1 - 24/504 = 0.952381.
        Vec b = a;
        std::swap(b[0], b[6]);
        std::swap(b[1], b[5]);
        const auto close = rankStability(a, b); // default k = max(1, 8/4) = 2
        QCOMPARE(close.topK, std::size_t(2));
        QCOMPARE(close.topKOverlap, std::size_t(2));
        QVERIFY(std::fabs(close.spearman.coefficient - (1.0 - 24.0 / 504.0)) < 1e-14);
    }
};

QTEST_GUILESS_MAIN(TestStatistics)
#include "tst_statistics.moc"
