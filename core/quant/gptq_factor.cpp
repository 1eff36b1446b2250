#include "core/quant/gptq_impl.h"

#include "core/model/parallel_ops_impl.h"

#include <algorithm>
#include <cmath>

namespace lieq {

namespace {

// Below this size a block is factored by LAPACK on the calling thread; above, it is split so
// that almost all the work is matrix products the engine's pool shares out.
constexpr std::int64_t kLeafSize = 192;

struct Factor
{
    torch::Tensor inverse;      // L^-1 for H = L L^T, lower triangular
    double minPivotSquared = 0; // smallest diag(L)^2 (L itself is not needed)
};

// Cholesky factor and its inverse together, by halves:
//   [A  B^T]   [L11  0 ] [L11^T L21^T]      L21 = B L11^-T,  L22 = chol(C - L21 L21^T)
//   [B  C  ] = [L21 L22] [0     L22^T],     (L^-1)21 = -L22^-1 L21 L11^-1.
// 4/3 n^3 flops as for potrf + potri, but as GEMMs split over the pool (LAPACK's own
// factorisations run on one thread here: the BLAS is held at one thread, see compute_threads).
std::optional<Factor> choleskyWithInverse(const torch::Tensor &h)
{
    const std::int64_t n = h.size(0);
    if (n <= kLeafSize) {
        auto [lower, info] = torch::linalg_cholesky_ex(h, /*upper=*/false, /*check_errors=*/false);
        if (info.item<int>() != 0)
            return std::nullopt;
        const torch::Tensor eye = torch::eye(n, h.options());
        torch::Tensor inverse = torch::linalg_solve_triangular(lower, eye, /*upper=*/false);
        return Factor{inverse, lower.diagonal().square().min().item<double>()};
    }
    const std::int64_t k = n / 2;
    using torch::indexing::Slice;
    const torch::Tensor a = h.index({Slice(0, k), Slice(0, k)});
    const torch::Tensor b = h.index({Slice(k), Slice(0, k)});
    std::optional<Factor> top = choleskyWithInverse(a.contiguous());
    if (!top)
        return std::nullopt;
    const torch::Tensor l21 = parallelMm(b.contiguous(), top->inverse.t().contiguous());
    torch::Tensor schur = h.index({Slice(k), Slice(k)}).contiguous();
    parallelAddmm_(schur, l21, l21.t().contiguous(), 1.0, -1.0);
    std::optional<Factor> bottom = choleskyWithInverse(schur);
    if (!bottom)
        return std::nullopt;
    Factor f;
    f.minPivotSquared = std::min(top->minPivotSquared, bottom->minPivotSquared);
    f.inverse = torch::zeros({n, n}, h.options());
    f.inverse.index_put_({Slice(0, k), Slice(0, k)}, top->inverse);
    f.inverse.index_put_({Slice(k), Slice(0, k)},
                         parallelMm(bottom->inverse, parallelMm(l21, top->inverse)).neg_());
    f.inverse.index_put_({Slice(k), Slice(k)}, bottom->inverse);
    return f;
}

} // namespace

std::optional<GptqInverseFactor> gptqInverseFactor(const torch::Tensor &h)
{
    // With J the order reversal, J H J = L' L'^T gives H^-1 = (J L'^-1 J)^T (J L'^-1 J), and
    // J L'^-1 J is upper triangular: the upper Cholesky factor of H^-1 that GPTQ needs, without
    // forming H^-1 and factoring it again.
    std::optional<Factor> f = choleskyWithInverse(h.flip({0, 1}).contiguous());
    if (!f)
        return std::nullopt;
    GptqInverseFactor out;
    out.minPivotSquared = f->minPivotSquared;
    out.upper = f->inverse.flip({0, 1}).contiguous();
    if (!torch::isfinite(out.upper).all().item<bool>())
        return std::nullopt;
    return out;
}

} // namespace lieq
