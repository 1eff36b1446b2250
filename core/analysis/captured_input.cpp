// CapturedInput: Gram matrices of Z = W h without forming the large side (see layer_spectra_impl.h).
#include "core/analysis/captured_input_impl.h"

#include "core/model/parallel_ops_impl.h"
#include "core/util/error.h"
#include "core/util/thread_pool.h"

#include <Eigen/Dense>

#include <algorithm>
#include <functional>

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

// [w; wr] ([2 out, in]) for one product over both weights, copied on the pool.
torch::Tensor stacked(const torch::Tensor &w, const torch::Tensor &wr)
{
    torch::Tensor both = torch::empty({2 * w.size(0), w.size(1)}, w.options());
    parallelCopy_(both.narrow(0, 0, w.size(0)), w);
    parallelCopy_(both.narrow(0, w.size(0), wr.size(0)), wr);
    return both;
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

EnergyPair CapturedInput::energies(const torch::Tensor &weight, const torch::Tensor &randomWeight)
{
    torch::NoGradGuard noGrad;
    const std::int64_t M = tokens(), in = features(), out = weight.size(0);
    if (weight.size(1) != in || randomWeight.sizes() != weight.sizes())
        throw Error("spectra: weight [" + std::to_string(out) + ", " +
                    std::to_string(weight.size(1)) + "] does not match an input of " +
                    std::to_string(in) + " features");
    const std::int64_t r = std::min({M, in, out});
    const torch::Tensor w = weight.to(m_h.device(), torch::kFloat32);
    const torch::Tensor wr = randomWeight.to(m_h.device(), torch::kFloat32);
    EnergyPair e;
    torch::Tensor gt, gr;
    if (r == M && M < std::min(in, out)) {
        e.route = "zz-tok";
        const torch::Tensor z =
            parallelContiguousCopy(parallelMm(m_h, stacked(w, wr).t()), torch::kDouble);
        const torch::Tensor zt = z.slice(1, 0, out), zr = z.slice(1, out, 2 * out);
        gt = parallelMm(zt, zt.t());
        gr = parallelMm(zr, zr.t());
    } else if (in < out) {
        e.route = "rar";
        const torch::Tensor &R = factor();
        auto gram = [&R](const torch::Tensor &wf) {
            const torch::Tensor wd = parallelContiguousCopy(wf, torch::kDouble);
            return parallelMm(parallelMm(R, parallelMm(wd.t(), wd)), R.t());
        };
        gt = gram(w);
        gr = gram(wr);
    } else if (m_useCovariance) {
        e.route = "wcw";
        const torch::Tensor &C = covariance();
        auto gram = [&C](const torch::Tensor &wf) {
            const torch::Tensor wd = parallelContiguousCopy(wf, torch::kDouble);
            return parallelMm(parallelMm(wd, C), wd.t());
        };
        gt = gram(w);
        gr = gram(wr);
    } else {
        e.route = "zz-out";
        const torch::Tensor both = parallelContiguousCopy(stacked(w, wr).t()); // [in, 2 out]
        gt = torch::zeros({out, out}, m_h.options().dtype(torch::kDouble));
        gr = torch::zeros_like(gt);
        for (std::int64_t a = 0; a < M; a += kTokenChunk) {
            const torch::Tensor z = parallelMm(m_h.slice(0, a, std::min(M, a + kTokenChunk)), both);
            const torch::Tensor zt = z.slice(1, 0, out), zr = z.slice(1, out, 2 * out);
            gt.add_(parallelContiguousCopy(parallelMm(zt.t(), zt), torch::kDouble));
            gr.add_(parallelContiguousCopy(parallelMm(zr.t(), zr), torch::kDouble));
        }
    }
    // The two eigenproblems (and their symmetrisations) are independent and single-threaded:
    // side by side on the pool.
    parallelFor(2, [&](std::int64_t first, std::int64_t last) {
        for (std::int64_t i = first; i < last; ++i)
            (i == 0 ? e.trained : e.random) = symmetricEigenvalues(symmetrized(i == 0 ? gt : gr));
    });
    e.trained.resize(static_cast<std::size_t>(r));
    e.random.resize(static_cast<std::size_t>(r));
    return e;
}

} // namespace lieq::analysis
