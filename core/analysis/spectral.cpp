#include "core/analysis/spectral.h"

#include "core/util/error.h"

#include <Eigen/Dense>
#include <Eigen/SVD>
#include <algorithm>
#include <cmath>
#include <functional>
#include <string>

namespace lieq::analysis {

namespace {

using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

std::vector<double> singularValuesOf(const RowMajor &z, SvdMethod method)
{
    const Eigen::Index rows = z.rows(), cols = z.cols();
    const Eigen::Index small = std::min(rows, cols), large = std::max(rows, cols);
    if (small == 0)
        throw Error("singular values: the matrix is empty (" + std::to_string(rows) + " x " +
                    std::to_string(cols) + ")");
    if (method == SvdMethod::Auto)
        method = large >= 2 * small ? SvdMethod::Gram : SvdMethod::Bdcsvd;

    std::vector<double> s(std::size_t(small), 0.0);
    if (method == SvdMethod::Bdcsvd) {
        Eigen::BDCSVD<Eigen::MatrixXd> svd(z); // values only: no U, V requested
        const Eigen::VectorXd &sv = svd.singularValues();
        for (Eigen::Index i = 0; i < sv.size(); ++i)
            s[std::size_t(i)] = sv[i];
    } else {
        // The smaller Gram matrix has the squared singular values as eigenvalues.
        const Eigen::MatrixXd gram = rows <= cols ? Eigen::MatrixXd(z * z.transpose())
                                                  : Eigen::MatrixXd(z.transpose() * z);
        Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(gram, Eigen::EigenvaluesOnly);
        const Eigen::VectorXd &ev = eig.eigenvalues();
        for (Eigen::Index i = 0; i < ev.size(); ++i)
            s[std::size_t(i)] = std::sqrt(std::max(0.0, ev[i]));
    }
    std::sort(s.begin(), s.end(), std::greater<>());
    return s;
}

} // namespace

std::size_t defaultTopK(std::size_t rank)
{
    return std::max<std::size_t>(1, std::size_t(std::llround(0.01 * double(rank))));
}

SpectralMetrics spectralMetricsFromEnergies(const std::vector<double> &energies, std::size_t k)
{
    if (energies.empty())
        throw Error("spectral metrics: no singular values");
    std::vector<double> e(energies.size());
    double maxAbs = 0;
    for (double v : energies) {
        if (!std::isfinite(v))
            throw Error("spectral metrics: a singular value is not finite");
        maxAbs = std::max(maxAbs, std::fabs(v));
    }
    for (std::size_t i = 0; i < energies.size(); ++i) {
        const double v = energies[i];
        // Eigenvalues of a Gram matrix can come out slightly negative from rounding.
        if (v < -1e-9 * maxAbs)
            throw Error("spectral metrics: negative squared singular value " + std::to_string(v));
        e[i] = std::max(0.0, v);
    }
    std::sort(e.begin(), e.end(), std::greater<>());

    SpectralMetrics m;
    m.rank = e.size();
    m.k = std::min(m.rank, k ? k : defaultTopK(m.rank));
    for (double v : e)
        m.totalEnergy += v;
    if (!(m.totalEnergy > 0))
        throw Error("spectral metrics: all singular values are zero (effective rank undefined)");
    double h = 0, top = 0;
    for (std::size_t i = 0; i < e.size(); ++i) {
        const double p = e[i] / m.totalEnergy;
        if (p > 0)
            h -= p * std::log(p);
        if (i < m.k)
            top += p;
    }
    m.entropy = h;
    m.effectiveRank = std::exp(h);
    m.topKEnergy = top;
    return m;
}

SpectralMetrics spectralMetrics(const std::vector<double> &singularValues, std::size_t k)
{
    std::vector<double> energies(singularValues.size());
    for (std::size_t i = 0; i < singularValues.size(); ++i) {
        if (singularValues[i] < 0)
            throw Error("spectral metrics: negative singular value " +
                        std::to_string(singularValues[i]));
        energies[i] = singularValues[i] * singularValues[i];
    }
    return spectralMetricsFromEnergies(energies, k);
}

std::vector<double> singularValues(const float *data, std::size_t rows, std::size_t cols,
                                   SvdMethod method)
{
    // Accumulate in double: Gram entries of long token rows lose digits in float.
    const Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>
        z(data, Eigen::Index(rows), Eigen::Index(cols));
    return singularValuesOf(z.cast<double>(), method);
}

std::vector<double> singularValues(const double *data, std::size_t rows, std::size_t cols,
                                   SvdMethod method)
{
    const Eigen::Map<const RowMajor> z(data, Eigen::Index(rows), Eigen::Index(cols));
    return singularValuesOf(z, method);
}

SpectralComparison compareSpectra(const std::vector<double> &trained,
                                  const std::vector<double> &random, std::size_t k)
{
    if (trained.size() != random.size())
        throw Error("spectral comparison: Z has " + std::to_string(trained.size()) +
                    " singular values but Z~ has " + std::to_string(random.size()) +
                    " (they must have the same shape)");
    SpectralComparison c;
    const std::size_t kk = k ? k : defaultTopK(trained.size());
    c.trained = spectralMetrics(trained, kk);
    c.random = spectralMetrics(random, kk);
    c.dr = (c.random.effectiveRank - c.trained.effectiveRank) / c.random.effectiveRank;
    c.dE = c.trained.topKEnergy - c.random.topKEnergy;
    return c;
}

} // namespace lieq::analysis
