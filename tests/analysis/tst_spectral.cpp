// Spectral metrics on matrices whose spectrum is known by construction: Z = U diag(s) V^T
// with random orthonormal U, V, so the effective rank and E_k are exact numbers.
#include "core/analysis/spectral.h"
#include "core/util/error.h"

#include <Eigen/Dense>
#include <QTest>
#include <algorithm>
#include <cmath>
#include <random>

using namespace lieq;
using namespace lieq::analysis;

using Vec = std::vector<double>;
Q_DECLARE_METATYPE(Vec)
Q_DECLARE_METATYPE(lieq::analysis::SvdMethod)

namespace {

using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

Eigen::MatrixXd randomOrthonormal(Eigen::Index rows, Eigen::Index cols, std::mt19937_64 &rng)
{
    std::normal_distribution<double> n;
    Eigen::MatrixXd g(rows, cols);
    for (Eigen::Index i = 0; i < g.size(); ++i)
        g.data()[i] = n(rng);
    Eigen::HouseholderQR<Eigen::MatrixXd> qr(g);
    return qr.householderQ() * Eigen::MatrixXd::Identity(rows, cols);
}

// rows x cols matrix with singular values s (s.size() == min(rows, cols)).
RowMajor withSpectrum(Eigen::Index rows, Eigen::Index cols, const Vec &s, std::uint64_t seed)
{
    std::mt19937_64 rng(seed);
    const Eigen::Index r = Eigen::Index(s.size());
    const Eigen::MatrixXd u = randomOrthonormal(rows, r, rng);
    const Eigen::MatrixXd v = randomOrthonormal(cols, r, rng);
    Eigen::VectorXd sv(r);
    for (Eigen::Index i = 0; i < r; ++i)
        sv[i] = s[std::size_t(i)];
    return u * sv.asDiagonal() * v.transpose();
}

} // namespace

class TestSpectral : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void defaultK_data()
    {
        QTest::addColumn<int>("rank");
        QTest::addColumn<int>("k");
        QTest::newRow("tiny") << 10 << 1;      // 0.1 -> 0 -> at least 1
        QTest::newRow("64") << 64 << 1;        // 0.64 -> 1
        QTest::newRow("150") << 150 << 2;      // 1.5 rounds half away from zero
        QTest::newRow("1024") << 1024 << 10;   // 10.24
        QTest::newRow("4096") << 4096 << 41;   // 40.96
    }
    void defaultK()
    {
        QFETCH(int, rank);
        QFETCH(int, k);
        QCOMPARE(defaultTopK(std::size_t(rank)), std::size_t(k));
    }

    void metricsFromValues_data()
    {
        QTest::addColumn<Vec>("s");
        QTest::addColumn<int>("k");
        QTest::addColumn<double>("effectiveRank");
        QTest::addColumn<double>("topK");
        // r equal values and zeros: p = 1/r on r entries, H = ln r, exp(H) = r; E_k = k/r.
        QTest::newRow("flat 8 of 8") << Vec{3, 3, 3, 3, 3, 3, 3, 3} << 2 << 8.0 << 0.25;
        QTest::newRow("flat 5 of 10") << Vec{0, 2, 0, 2, 2, 0, 2, 0, 2, 0} << 1 << 5.0 << 0.2;
        // rank one: H = 0, exp(H) = 1, E_1 = 1
        QTest::newRow("rank one") << Vec{7, 0, 0, 0} << 1 << 1.0 << 1.0;
        // s = 2,1,1: energies 4,1,1, p = 2/3, 1/6, 1/6;
        // exp(H) = (3/2)^(2/3) * 6^(1/3) = (9/4 * 6)^(1/3) = 13.5^(1/3); E_1 = 2/3.
        QTest::newRow("2,1,1") << Vec{1, 2, 1} << 1 << std::cbrt(13.5) << 2.0 / 3.0;
        // energies 9,4,1,1,1 (total 16) with k = 2: E_2 = 13/16.
        // H = -(9/16 ln 9/16 + 4/16 ln 4/16 + 3/16 ln 1/16)
        QTest::newRow("3,2,1,1,1")
            << Vec{3, 2, 1, 1, 1} << 2
            << std::exp(-(9.0 / 16 * std::log(9.0 / 16) + 0.25 * std::log(0.25) +
                          3.0 / 16 * std::log(1.0 / 16)))
            << 13.0 / 16.0;
    }
    void metricsFromValues()
    {
        QFETCH(Vec, s);
        QFETCH(int, k);
        QFETCH(double, effectiveRank);
        QFETCH(double, topK);
        const SpectralMetrics m = spectralMetrics(s, std::size_t(k));
        QCOMPARE(m.rank, s.size());
        QCOMPARE(m.k, std::size_t(k));
        QVERIFY2(std::fabs(m.effectiveRank - effectiveRank) < 1e-12,
                 qPrintable(QString::number(m.effectiveRank, 'g', 17)));
        QVERIFY(std::fabs(m.topKEnergy - topK) < 1e-14);
        QVERIFY(std::fabs(m.entropy - std::log(effectiveRank)) < 1e-12);
        // Energies in give the same.
        Vec e(s.size());
        for (std::size_t i = 0; i < s.size(); ++i)
            e[i] = s[i] * s[i];
        QVERIFY(std::fabs(spectralMetricsFromEnergies(e, std::size_t(k)).effectiveRank -
                          effectiveRank) < 1e-12);
    }

    void matrixWithKnownSpectrum_data()
    {
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("cols");
        QTest::addColumn<SvdMethod>("method");
        QTest::newRow("wide bdcsvd") << 24 << 40 << SvdMethod::Bdcsvd;
        QTest::newRow("wide gram") << 24 << 300 << SvdMethod::Gram;
        QTest::newRow("tall gram") << 300 << 24 << SvdMethod::Gram;
        QTest::newRow("tall auto") << 200 << 24 << SvdMethod::Auto;
        QTest::newRow("square auto") << 24 << 24 << SvdMethod::Auto;
    }
    void matrixWithKnownSpectrum()
    {
        QFETCH(int, rows);
        QFETCH(int, cols);
        QFETCH(SvdMethod, method);
        // 6 values of 4, 18 of 0 (the rank is 24 by shape, 6 numerically):
        // effective rank 6 exactly, E_1 = 1/6 (default k = max(1, round(0.24)) = 1).
        Vec s(24, 0.0);
        std::fill(s.begin(), s.begin() + 6, 4.0);
        const RowMajor z = withSpectrum(rows, cols, s, 99);
        const Vec got = singularValues(z.data(), std::size_t(rows), std::size_t(cols), method);
        QCOMPARE(got.size(), std::size_t(24));
        for (std::size_t i = 0; i < 6; ++i)
            QVERIFY(std::fabs(got[i] - 4.0) < 1e-9);
        const SpectralMetrics m = spectralMetrics(got);
        QCOMPARE(m.k, std::size_t(1));
        QVERIFY2(std::fabs(m.effectiveRank - 6.0) < 1e-9,
                 qPrintable(QString::number(m.effectiveRank, 'g', 17)));
        QVERIFY(std::fabs(m.topKEnergy - 1.0 / 6.0) < 1e-9);
    }

    void floatInputAndGeometricSpectrum()
    {
        // s_i = 0.8^i, i = 0..31, as float data: p_i = 0.64^i (1-0.64)/(1-0.64^32).
        Vec s(32);
        for (std::size_t i = 0; i < s.size(); ++i)
            s[i] = std::pow(0.8, double(i));
        const RowMajor z = withSpectrum(32, 128, s, 5);
        const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> zf =
            z.cast<float>();
        const Vec got = singularValues(zf.data(), 32, 128);
        const SpectralMetrics exact = spectralMetrics(s, 3);
        const SpectralMetrics m = spectralMetrics(got, 3);
        QVERIFY(std::fabs(m.effectiveRank - exact.effectiveRank) < 1e-4);
        // E_3 = (1 + 0.64 + 0.4096) / sum_{i<32} 0.64^i
        const double total = (1 - std::pow(0.64, 32)) / (1 - 0.64);
        QVERIFY(std::fabs(exact.topKEnergy - 2.0496 / total) < 1e-14);
        QVERIFY(std::fabs(m.topKEnergy - exact.topKEnergy) < 1e-5);
    }

    void comparison()
    {
        // Z rank one, Z~ flat over 4: C = 1, C~ = 4 -> dr = 3/4; E_1 = 1 vs 1/4 -> dE = 3/4.
        const SpectralComparison c = compareSpectra(Vec{5, 0, 0, 0}, Vec{1, 1, 1, 1});
        QVERIFY(std::fabs(c.dr - 0.75) < 1e-14);
        QVERIFY(std::fabs(c.dE - 0.75) < 1e-14);
        QCOMPARE(c.trained.k, c.random.k);
        // The same spectrum (any scale) gives zero.
        const SpectralComparison same = compareSpectra(Vec{3, 2, 1}, Vec{6, 4, 2}, 2);
        QVERIFY(std::fabs(same.dr) < 1e-14);
        QVERIFY(std::fabs(same.dE) < 1e-14);
        QVERIFY_THROWS_EXCEPTION(lieq::Error, compareSpectra(Vec{1, 2}, Vec{1, 2, 3}));
    }

    void randomMatricesAreNotCompact()
    {
        // Two independent Gaussian matrices of the same shape have nearly the same effective
        // rank: dr near 0 (the sanity property the diagnostics rely on for random models).
        std::mt19937_64 rng(11);
        std::normal_distribution<double> n;
        RowMajor a(64, 512), b(64, 512);
        for (Eigen::Index i = 0; i < a.size(); ++i) {
            a.data()[i] = n(rng);
            b.data()[i] = n(rng);
        }
        const SpectralComparison c =
            compareSpectra(singularValues(a.data(), 64, 512), singularValues(b.data(), 64, 512));
        QVERIFY2(std::fabs(c.dr) < 0.02, qPrintable(QString::number(c.dr)));
        QVERIFY(c.trained.effectiveRank > 50); // Marchenko-Pastur at ratio 1/8 is fairly flat
    }

    void badInput()
    {
        QVERIFY_THROWS_EXCEPTION(lieq::Error, spectralMetrics(Vec{0, 0, 0}));
        QVERIFY_THROWS_EXCEPTION(lieq::Error, spectralMetrics(Vec{1, -1}));
        QVERIFY_THROWS_EXCEPTION(lieq::Error, spectralMetrics(Vec{}));
        QVERIFY_THROWS_EXCEPTION(lieq::Error, spectralMetrics(Vec{1, NAN}));
        const double none = 0;
        QVERIFY_THROWS_EXCEPTION(lieq::Error, singularValues(&none, 0, 5));
        // k beyond the rank is clamped.
        QCOMPARE(spectralMetrics(Vec{1, 1}, 9).k, std::size_t(2));
    }
};

QTEST_GUILESS_MAIN(TestSpectral)
#include "tst_spectral.moc"
