#pragma once
// Internal (torch) header of the diagnostics: ui/ and app/ never include it.
//
// One captured projection input h and the Gram matrices of Z = W h formed from it. The
// singular values come from the eigenvalues of the smaller Gram matrix in fp64, formed the
// cheapest exact way for the shapes at hand (M tokens, in, out, r = min(M, in, out)):
//   "wcw"    out <= in:  G = W C W^T (out x out), C = h^T h shared by q/k/v and by gate/up
//   "rar"    in < out:   G = R (W^T W) R^T (in x in), C = R^T R (Cholesky, eigh if singular)
//   "zz-out" out <= in:  G = Z^T Z accumulated over token chunks (when forming C costs more)
//   "zz-tok" M smallest: G = Z Z^T (M x M)
// Token products run in fp32 chunks summed into fp64; everything after is fp64.

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace lieq::analysis {

// Squared singular values of x W^T (largest first, exactly min(M, in, out) of them) for a
// trained and a random weight of the same shape, plus the route used.
struct EnergyPair
{
    std::vector<double> trained;
    std::vector<double> random;
    std::string route;
};

// One captured input matrix h [M, in] with lazily formed C = h^T h (fp64) and its factor R.
class CapturedInput
{
public:
    CapturedInput() = default;
    explicit CapturedInput(torch::Tensor h); // [..., in] -> viewed as [M, in] fp32

    bool defined() const { return m_h.defined(); }
    std::int64_t tokens() const { return m_h.size(0); }
    std::int64_t features() const { return m_h.size(1); }
    // Decides once for the group of weights that will use this input whether C pays off.
    void planFor(const std::vector<std::int64_t> &outFeatures);
    // The route ("zz-tok", "rar", "wcw", "zz-out") for a weight of `out` rows.
    const char *routeFor(std::int64_t out) const;
    // Forms C or its factor R when routeFor(out) needs them (on the calling thread, products
    // split over the pool). Afterwards energiesOf() for that shape only reads this object.
    void prepareFor(std::int64_t out);
    // Rough cost of energiesOf() for a weight of `out` rows, in GEMM multiply-adds (for
    // ordering work largest first; not a prediction of seconds).
    double costOf(std::int64_t out) const;
    // Squared singular values of x W^T for one weight [out, in] (largest first, exactly
    // min(M, in, out) of them). Reads only once prepareFor(out) ran, so several threads may
    // call it at once; each call's products split over the pool unless the caller runs it
    // inside a pool task or a ThreadPool::SerialScope (then it is single-threaded, and its
    // values do not depend on the thread count).
    std::vector<double> energiesOf(const torch::Tensor &weight) const;
    // Both weights' energies: prepareFor, then the two energiesOf side by side on the pool.
    EnergyPair energies(const torch::Tensor &weight, const torch::Tensor &randomWeight);
    void release();

private:
    const torch::Tensor &covariance();
    const torch::Tensor &factor();
    torch::Tensor gramOf(const torch::Tensor &weight) const; // fp64 [r, r], not symmetrised
    bool m_useCovariance = true;
    torch::Tensor m_h; // [M, in] fp32
    torch::Tensor m_c; // [in, in] fp64
    torch::Tensor m_r; // [in, in] fp64, C = R^T R
};

// Eigenvalues of a symmetric fp64 matrix, largest first, negatives from rounding set to 0.
std::vector<double> symmetricEigenvalues(const torch::Tensor &gram);

} // namespace lieq::analysis
