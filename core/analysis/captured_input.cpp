// CapturedInput: Gram matrices of Z = W h without forming the large side (see layer_spectra_impl.h).
#include "core/analysis/captured_input_impl.h"

#include "core/model/parallel_ops_impl.h"
#include "core/util/error.h"
#include "core/util/thread_pool.h"

#include <Eigen/Dense>

#include <algorithm>
#include <functional>
#include <string>

namespace lieq::analysis {

namespace {

// Tokens per fp32 product before summing into fp64: bounds the fp32 rounding growth.
constexpr std::int64_t kTokenChunk = 2048;

using RowMajorD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

torch::Tensor toCpuDouble(const torch::Tensor &t)
{
    return t.to(torch::kCPU, torch::kDouble).contiguous();
}

torch::Tensor symmetrized(const torch::Tensor &g)
{
    return (g + g.t()).mul_(0.5);
}

} // namespace

std::vector<double> symmetricEigenvalues(const torch::Tensor &gram)
{
    const torch::Tensor g = toCpuDouble(gram);
    const Eigen::Index n = g.size(0);
    // Eigen's single-threaded tridiagonalisation beats the threaded LAPACK syevd on a busy
    // 2-core machine by 5-7x for n = 512..1024 (measured), and two of them run side by side.
    const Eigen::Map<const RowMajorD> m(g.data_ptr<double>(), n, n);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(m, Eigen::EigenvaluesOnly);
    if (eig.info() != Eigen::Success)
        throw Error("eigenvalues of a " + std::to_string(n) + "x" + std::to_string(n) +
                    " Gram matrix did not converge (non-finite activations?)");
    std::vector<double> e(eig.eigenvalues().data(), eig.eigenvalues().data() + n);
    for (double &v : e)
        v = std::max(0.0, v); // a PSD matrix: negatives are rounding
    std::sort(e.begin(), e.end(), std::greater<>());
    return e;
}

CapturedInput::CapturedInput(torch::Tensor h)
    : m_h(h.reshape({-1, h.size(-1)}).to(torch::kFloat32).contiguous())
{
}

void CapturedInput::release()
{
    m_h = torch::Tensor();
    m_c = torch::Tensor();
    m_r = torch::Tensor();
}

void CapturedInput::planFor(const std::vector<std::int64_t> &outFeatures)
{
    const double M = static_cast<double>(tokens()), in = static_cast<double>(features());
    if (M < in) {
        m_useCovariance = false; // C would be rank-deficient; zz-tok or zz-out apply
        return;
    }
    double withC = M * in * in, direct = 0;
    bool needC = false;
    for (std::int64_t o : outFeatures) {
        const double out = static_cast<double>(o);
        needC = needC || out > in;
        withC += out > in ? 2 * (out * in * in + 2 * in * in * in) : 2 * (out * in * in + out * out * in);
        direct += 2 * (M * in * out + M * out * out);
    }
    m_useCovariance = needC || withC < direct;
}

const torch::Tensor &CapturedInput::covariance()
{
    if (!m_c.defined()) {
        const std::int64_t M = tokens(), in = features();
        m_c = torch::zeros({in, in}, m_h.options().dtype(torch::kDouble));
        for (std::int64_t a = 0; a < M; a += kTokenChunk) {
            const torch::Tensor hc = m_h.slice(0, a, std::min(M, a + kTokenChunk));
            m_c.add_(parallelMm(hc.t(), hc).to(torch::kDouble));
        }
        m_c = symmetrized(m_c);
    }
    return m_c;
}

const torch::Tensor &CapturedInput::factor()
{
    if (!m_r.defined()) {
        const torch::Tensor c = toCpuDouble(covariance());
        const Eigen::Index n = c.size(0);
        const Eigen::Map<const RowMajorD> cm(c.data_ptr<double>(), n, n);
        RowMajorD r(n, n);
        Eigen::LLT<Eigen::MatrixXd> llt(cm);
        if (llt.info() == Eigen::Success) {
            r = llt.matrixU(); // C = U^T U
        } else {
            // Singular C (e.g. dead features): C = V diag(l) V^T, R = diag(sqrt l) V^T.
            Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(cm);
            if (eig.info() != Eigen::Success)
                throw Error("factorising an input covariance of size " + std::to_string(n) +
                            " failed (non-finite activations?)");
            const Eigen::VectorXd s = eig.eigenvalues().cwiseMax(0.0).cwiseSqrt();
            r = s.asDiagonal() * eig.eigenvectors().transpose();
        }
        m_r = torch::from_blob(r.data(), {n, n}, torch::kDouble).clone().to(m_h.device());
    }
    return m_r;
}

const char *CapturedInput::routeFor(std::int64_t out) const
{
    const std::int64_t M = tokens(), in = features();
    if (std::min({M, in, out}) == M && M < std::min(in, out))
        return "zz-tok";
    if (in < out)
        return "rar";
    return m_useCovariance ? "wcw" : "zz-out";
}

void CapturedInput::prepareFor(std::int64_t out)
{
    const std::string route = routeFor(out);
    if (route == "rar")
        factor();
    else if (route == "wcw")
        covariance();
}

double CapturedInput::costOf(std::int64_t out) const
{
    const double M = static_cast<double>(tokens()), in = static_cast<double>(features()),
                 o = static_cast<double>(out);
    const double r = std::min({M, in, o});
    // fp64 products count twice; a symmetric eigenproblem of n runs at about 1/12 of GEMM's
    // rate per multiply-add (4/3 n^3 of them; measured for n = 512 on one core).
    const double eig = 16 * r * r * r;
    const std::string route = routeFor(out);
    if (route == "zz-tok")
        return M * in * o + 2 * M * M * o + eig;
    if (route == "rar")
        return 2 * (in * in * o + 2 * in * in * in) + eig;
    if (route == "wcw")
        return 2 * (o * in * in + o * o * in) + eig;
    return M * in * o + M * o * o + eig;
}

torch::Tensor CapturedInput::gramOf(const torch::Tensor &weight) const
{
    const std::int64_t M = tokens(), out = weight.size(0);
    const torch::Tensor w = weight.to(m_h.device(), torch::kFloat32).contiguous();
    const std::string route = routeFor(out);
    if (route == "zz-tok") {
        const torch::Tensor z = parallelContiguousCopy(parallelMm(m_h, w.t()), torch::kDouble);
        return parallelMm(z, z.t());
    }
    if (route == "rar") {
        const torch::Tensor wd = parallelContiguousCopy(w, torch::kDouble);
        return parallelMm(parallelMm(m_r, parallelMm(wd.t(), wd)), m_r.t());
    }
    if (route == "wcw") {
        const torch::Tensor wd = parallelContiguousCopy(w, torch::kDouble);
        return parallelMm(parallelMm(wd, m_c), wd.t());
    }
    const torch::Tensor wt = parallelContiguousCopy(w.t()); // [in, out]
    torch::Tensor g = torch::zeros({out, out}, m_h.options().dtype(torch::kDouble));
    for (std::int64_t a = 0; a < M; a += kTokenChunk) {
        const torch::Tensor z = parallelMm(m_h.slice(0, a, std::min(M, a + kTokenChunk)), wt);
        g.add_(parallelContiguousCopy(parallelMm(z.t(), z), torch::kDouble));
    }
    return g;
}

std::vector<double> CapturedInput::energiesOf(const torch::Tensor &weight) const
{
    torch::NoGradGuard noGrad;
    const std::int64_t M = tokens(), in = features(), out = weight.size(0);
    if (weight.size(1) != in)
        throw Error("spectra: weight [" + std::to_string(out) + ", " +
                    std::to_string(weight.size(1)) + "] does not match an input of " +
                    std::to_string(in) + " features");
    const std::string route = routeFor(out);
    if ((route == "rar" && !m_r.defined()) || (route == "wcw" && !m_c.defined()))
        throw Error("spectra: the input's " + route + " route was not prepared");
    std::vector<double> e = symmetricEigenvalues(symmetrized(gramOf(weight)));
    e.resize(static_cast<std::size_t>(std::min({M, in, out})));
    return e;
}

EnergyPair CapturedInput::energies(const torch::Tensor &weight, const torch::Tensor &randomWeight)
{
    const std::int64_t out = weight.size(0);
    if (weight.size(1) != features() || randomWeight.sizes() != weight.sizes())
        throw Error("spectra: weight [" + std::to_string(out) + ", " +
                    std::to_string(weight.size(1)) + "] does not match an input of " +
                    std::to_string(features()) + " features");
    prepareFor(out);
    EnergyPair e;
    e.route = routeFor(out);
    // The two Gram matrices and eigenproblems are independent: side by side on the pool, each
    // single-threaded.
    parallelFor(2, [&](std::int64_t first, std::int64_t last) {
        const ThreadPool::SerialScope serial;
        for (std::int64_t i = first; i < last; ++i)
            (i == 0 ? e.trained : e.random) = energiesOf(i == 0 ? weight : randomWeight);
    });
    return e;
}

} // namespace lieq::analysis
