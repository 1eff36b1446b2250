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
    torch::Tensor inverse;      // U^-1 for H = U U^T, upper triangular
    double minPivotSquared = 0; // smallest diag(U)^2 (U itself is not needed)
};

// H = U U^T with U upper triangular (the "UL" Cholesky: J H J = L L^T for the order reversal J
// gives U = J L J), and U^-1 with it, by halves:
//   [A    B ]   [U11 U12] [U11^T  0    ]      U22 = ul(C),  U12 = B U22^-T,
//   [B^T  C ] = [0   U22] [U12^T  U22^T],     U11 = ul(A - U12 U12^T),
//                                             (U^-1)12 = -U11^-1 U12 U22^-1.
// 4/3 n^3 flops as for potrf + potri, but as GEMMs split over the pool (LAPACK's own
// factorisations run on one thread here: the BLAS is held at one thread, see compute_threads).
// Working on H in its own order (no reversal of the whole matrix) and writing each block of the
// result in place keeps the copies, which run on the caller alone, to the leaves.
std::optional<Factor> upperWithInverse(const torch::Tensor &h)
{
    const std::int64_t n = h.size(0);
    if (n <= kLeafSize) {
        auto [lower, info] =
            torch::linalg_cholesky_ex(h.flip({0, 1}), /*upper=*/false, /*check_errors=*/false);
        if (info.item<int>() != 0)
            return std::nullopt;
        const torch::Tensor eye = torch::eye(n, h.options());
        const torch::Tensor inverse = torch::linalg_solve_triangular(lower, eye, /*upper=*/false);
        return Factor{inverse.flip({0, 1}), lower.diagonal().square().min().item<double>()};
    }
    const std::int64_t k = n - n / 2; // the trailing n/2 indices form C
    using torch::indexing::Slice;
    std::optional<Factor> bottom =
        upperWithInverse(parallelContiguousCopy(h.index({Slice(k), Slice(k)})));
    if (!bottom)
        return std::nullopt;
    const torch::Tensor b = parallelContiguousCopy(h.index({Slice(0, k), Slice(k)}));
    const torch::Tensor u12 = parallelMm(b, parallelContiguousCopy(bottom->inverse.t()));
    torch::Tensor schur = parallelContiguousCopy(h.index({Slice(0, k), Slice(0, k)}));
    parallelAddmm_(schur, u12, parallelContiguousCopy(u12.t()), 1.0, -1.0);
    std::optional<Factor> top = upperWithInverse(schur);
    if (!top)
        return std::nullopt;
    Factor f;
    f.minPivotSquared = std::min(top->minPivotSquared, bottom->minPivotSquared);
    f.inverse = torch::empty({n, n}, h.options());
    parallelCopy_(f.inverse.index({Slice(0, k), Slice(0, k)}), top->inverse);
    parallelCopy_(f.inverse.index({Slice(k), Slice(k)}), bottom->inverse);
    parallelCopy_(f.inverse.index({Slice(0, k), Slice(k)}),
                  parallelMm(top->inverse, parallelMm(u12, bottom->inverse)).neg_());
    f.inverse.index({Slice(k), Slice(0, k)}).zero_();
    return f;
}

} // namespace

std::optional<GptqInverseFactor> gptqInverseFactor(const torch::Tensor &h)
{
    // H^-1 = U^-T U^-1, and U^-1 is upper triangular: the upper Cholesky factor of H^-1 that
    // GPTQ needs, without forming H^-1 and factoring it again.
    std::optional<Factor> f = upperWithInverse(h.is_contiguous() ? h : h.contiguous());
    if (!f)
        return std::nullopt;
    GptqInverseFactor out;
    out.minPivotSquared = f->minPivotSquared;
    out.upper = f->inverse;
    if (!parallelAllFinite(out.upper))
        return std::nullopt;
    return out;
}

} // namespace lieq
