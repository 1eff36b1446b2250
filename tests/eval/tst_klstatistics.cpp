// The llama.cpp-style KL statistics accumulator against values computed by hand: KL of known
// two- and three-token distributions, top-1 agreement, dp of the next token, standard errors
// (0 up to 10 positions, sqrt(var / (n - 1)) beyond), linear-interpolation percentiles, PPL ratio
// and both correlations; JSON round trip and the errors for bad input.
#include "core/eval/kl_statistics.h"
#include "core/util/error.h"

#include <QTest>

#include <cmath>
#include <random>

using namespace lieq;

namespace {

// Logits whose softmax is exactly `p` (log p).
std::vector<float> logitsOf(const std::vector<double> &p)
{
    std::vector<float> out;
    for (double v : p)
        out.push_back(float(std::log(v)));
    return out;
}

double klOf(const std::vector<double> &p, const std::vector<double> &q)
{
    double s = 0;
    for (std::size_t i = 0; i < p.size(); ++i)
        s += p[i] * std::log(p[i] / q[i]);
    return s;
}

} // namespace

class TestKlStatistics : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void knownDistributions_data()
    {
        QTest::addColumn<std::vector<double>>("p");
        QTest::addColumn<std::vector<double>>("q");
        QTest::addColumn<int>("next");
        QTest::addColumn<bool>("sameTop");
        QTest::newRow("equal") << std::vector<double>{0.7, 0.3} << std::vector<double>{0.7, 0.3}
                               << 0 << true;
        QTest::newRow("two tokens") << std::vector<double>{0.9, 0.1}
                                    << std::vector<double>{0.6, 0.4} << 1 << true;
        QTest::newRow("top flips") << std::vector<double>{0.5, 0.3, 0.2}
                                   << std::vector<double>{0.2, 0.3, 0.5} << 2 << false;
    }

    void knownDistributions()
    {
        QFETCH(std::vector<double>, p);
        QFETCH(std::vector<double>, q);
        QFETCH(int, next);
        QFETCH(bool, sameTop);
        KlAccumulator acc(std::int64_t(p.size()));
        const std::vector<float> a = logitsOf(p), b = logitsOf(q);
        acc.addPosition(a.data(), b.data(), next);
        acc.endWindow();
        const KlStatistics s = acc.finish(2);
        QCOMPARE(s.positions, std::int64_t(1));
        QCOMPARE(s.windows, std::int64_t(1));
        QVERIFY(std::abs(s.klMean.value - klOf(p, q)) < 1e-6);
        QCOMPARE(s.klMean.error, 0.0); // too few positions for an error (llama.cpp's rule)
        QCOMPARE(s.top1Agreement.value, sameTop ? 1.0 : 0.0);
        QVERIFY(std::abs(s.deltaPMean.value - (q[std::size_t(next)] - p[std::size_t(next)])) < 1e-6);
        QVERIFY(std::abs(s.pplRatio.value - p[std::size_t(next)] / q[std::size_t(next)]) < 1e-5);
        QVERIFY(std::abs(s.pplReference.value - 1 / p[std::size_t(next)]) < 1e-5);
        QVERIFY(s.klMax >= s.klMin);
    }

    // Many positions: every aggregate against a direct computation from the same rows.
    void aggregatesMatchDirectComputation()
    {
        const std::int64_t vocab = 7, perWindow = 15, windows = 4;
        std::mt19937 rng(11);
        std::normal_distribution<float> noise(0.f, 1.f);
        KlAccumulator acc(vocab);
        std::vector<double> kls, dps, nllA, nllB, winA, winB;
        int same = 0;
        for (int w = 0; w < windows; ++w) {
            double wa = 0, wb = 0;
            for (int t = 0; t < perWindow; ++t) {
                std::vector<float> a(vocab), b(vocab);
                for (std::int64_t i = 0; i < vocab; ++i) {
                    a[std::size_t(i)] = 2 * noise(rng);
                    b[std::size_t(i)] = a[std::size_t(i)] + 0.5f * noise(rng);
                }
                const int next = int(rng() % vocab);
                acc.addPosition(a.data(), b.data(), next);
                auto softmax = [&](const std::vector<float> &x) {
                    std::vector<double> p(x.size());
                    double z = 0;
                    for (std::size_t i = 0; i < x.size(); ++i)
                        z += std::exp(double(x[i]));
                    for (std::size_t i = 0; i < x.size(); ++i)
                        p[i] = std::exp(double(x[i])) / z;
                    return p;
                };
                const std::vector<double> p = softmax(a), q = softmax(b);
                kls.push_back(klOf(p, q));
                dps.push_back(q[std::size_t(next)] - p[std::size_t(next)]);
                nllA.push_back(-std::log(p[std::size_t(next)]));
                nllB.push_back(-std::log(q[std::size_t(next)]));
                wa += nllA.back();
                wb += nllB.back();
                same += std::max_element(p.begin(), p.end()) - p.begin() ==
                        std::max_element(q.begin(), q.end()) - q.begin();
            }
            acc.endWindow();
            winA.push_back(wa / perWindow);
            winB.push_back(wb / perWindow);
        }
        const KlStatistics s = acc.finish(perWindow + 1);
        const double n = double(kls.size());
        QCOMPARE(s.positions, std::int64_t(kls.size()));
        QCOMPARE(s.windows, std::int64_t(windows));
        auto mean = [](const std::vector<double> &v) {
            double x = 0;
            for (double e : v)
                x += e;
            return x / double(v.size());
        };
        auto sem = [&](const std::vector<double> &v) {
            const double m = mean(v);
            double x = 0;
            for (double e : v)
                x += (e - m) * (e - m);
            return std::sqrt(x / n / (n - 1));
        };
        auto pearson = [&](const std::vector<double> &x, const std::vector<double> &y) {
            const double mx = mean(x), my = mean(y);
            double sxy = 0, sxx = 0, syy = 0;
            for (std::size_t i = 0; i < x.size(); ++i) {
                sxy += (x[i] - mx) * (y[i] - my);
                sxx += (x[i] - mx) * (x[i] - mx);
                syy += (y[i] - my) * (y[i] - my);
            }
            return sxy / std::sqrt(sxx * syy);
        };
        QVERIFY(std::abs(s.klMean.value - mean(kls)) < 1e-6);
        QVERIFY(std::abs(s.klMean.error - sem(kls)) < 1e-6);
        QVERIFY(std::abs(s.deltaPMean.value - mean(dps)) < 1e-6);
        QVERIFY(std::abs(s.deltaPMean.error - sem(dps)) < 1e-6);
        std::vector<double> dp2;
        for (double d : dps)
            dp2.push_back(d * d);
        QVERIFY(std::abs(s.deltaPRms.value - std::sqrt(mean(dp2))) < 1e-6);
        QVERIFY(std::abs(s.top1Agreement.value - same / n) < 1e-12);
        const double pa = std::exp(mean(nllA)), pb = std::exp(mean(nllB));
        QVERIFY(std::abs(s.pplReference.value / pa - 1) < 1e-6);
        QVERIFY(std::abs(s.pplModel.value / pb - 1) < 1e-6);
        QVERIFY(std::abs(s.pplRatio.value - pb / pa) < 1e-6);
        QVERIFY(std::abs(s.lnPplCorrelation - pearson(nllB, nllA)) < 1e-6);
        QVERIFY(std::abs(s.windowLnPplCorrelation - pearson(winB, winA)) < 1e-6);
        // Percentiles: interpolation on the sorted values.
        std::vector<float> sorted(kls.begin(), kls.end());
        std::sort(sorted.begin(), sorted.end());
        QVERIFY(std::abs(s.klAt(0.5) - interpolatedQuantile(sorted, 0.5)) < 1e-6);
        QVERIFY(std::abs(s.klMax - sorted.back()) < 1e-6);
        QCOMPARE(s.klQuantiles.size(), klQuantileLevels().size());
        QCOMPARE(s.deltaPQuantiles.size(), deltaPQuantileLevels().size());
        for (std::size_t i = 1; i < s.klQuantiles.size(); ++i)
            QVERIFY(s.klQuantiles[i].value <= s.klQuantiles[i - 1].value);
        QVERIFY(s.memoryBytes >= std::int64_t(8 * kls.size()));
    }

    void interpolation_data()
    {
        QTest::addColumn<double>("fraction");
        QTest::addColumn<double>("expected");
        QTest::newRow("min") << 0.0 << 0.0;
        QTest::newRow("median") << 0.5 << 50.0;
        QTest::newRow("99.9") << 0.999 << 99.9;
        QTest::newRow("0.1") << 0.001 << 0.1;
        QTest::newRow("max") << 1.0 << 100.0;
    }

    void interpolation()
    {
        QFETCH(double, fraction);
        QFETCH(double, expected);
        std::vector<float> v;
        for (int i = 0; i <= 100; ++i)
            v.push_back(float(i));
        QVERIFY(std::abs(interpolatedQuantile(v, fraction) - expected) < 1e-4);
        QVERIFY(std::isnan(interpolatedQuantile({}, 0.5)));
    }

    void jsonRoundTrip()
    {
        KlAccumulator acc(3);
        const std::vector<float> a{0.f, 1.f, 2.f}, b{0.5f, 1.f, 1.5f};
        for (int i = 0; i < 20; ++i)
            acc.addPosition(a.data(), b.data(), i % 3);
        KlStatistics s = acc.finish(21);
        s.seconds = 1.5;
        const KlStatistics r = klStatisticsFromJson(klStatisticsToJson(s), "x.json");
        QCOMPARE(r.positions, s.positions);
        QCOMPARE(r.klMean.value, s.klMean.value);
        QCOMPARE(r.klMean.error, s.klMean.error);
        QCOMPARE(r.klAt(0.99), s.klAt(0.99));
        QCOMPARE(r.deltaPAt(0.75), s.deltaPAt(0.75));
        QCOMPARE(r.pplRatio.value, s.pplRatio.value);
        QCOMPARE(r.top1Agreement.value, s.top1Agreement.value);
        QCOMPARE(r.seconds, 1.5);
        // NaN survives as null: one window has no window correlation.
        QVERIFY(std::isnan(r.windowLnPplCorrelation));
        QVERIFY(!formatKlStatistics(r).empty());
    }

    void errors_data()
    {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("malformed") << QStringLiteral("{") << QStringLiteral("malformed");
        QTest::newRow("other object") << QStringLiteral("{\"a\": 1}")
                                      << QStringLiteral("not a LieQ");
        QTest::newRow("newer") << QStringLiteral("{\"schema\": \"lieq.klstats\", \"schema_version\": 99}")
                               << QStringLiteral("newer");
    }

    void errors()
    {
        QFETCH(QString, json);
        QFETCH(QString, fragment);
        try {
            klStatisticsFromJson(json.toStdString(), "stats.json");
            QFAIL("no error");
        } catch (const Error &e) {
            QVERIFY2(QString::fromStdString(e.what()).contains(fragment), e.what());
            QCOMPARE(e.file(), std::string("stats.json"));
        }
    }

    void badInput()
    {
        KlAccumulator acc(2);
        QVERIFY_THROWS_EXCEPTION(Error, acc.finish(2)); // nothing added
        const std::vector<float> a{0.f, 1.f}, nan{0.f, NAN};
        QVERIFY_THROWS_EXCEPTION(Error, acc.addPosition(a.data(), a.data(), 2));
        QVERIFY_THROWS_EXCEPTION(Error, acc.addPosition(a.data(), nan.data(), 0));
        QVERIFY_THROWS_EXCEPTION(Error, KlAccumulator(0));
    }
};

QTEST_GUILESS_MAIN(TestKlStatistics)
#include "tst_klstatistics.moc"
