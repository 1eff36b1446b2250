#include "core/quant/gptq_impl.h"

#include "core/model/parallel_ops_impl.h"

#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>

namespace lieq {

namespace {

// LAPACK's Cholesky factorisation (spotrf) and triangular inverse (strtri), from the LAPACK that
// libtorch itself loads (OpenBLAS here: both blocked over its GEMM kernels). Looked up at run
// time so that the engine does not link LAPACK itself; torch's own calls when there is none.
using Spotrf = void (*)(const char *uplo, const int *n, float *a, const int *lda, int *info,
                        std::size_t uploLen);
using Strtri = void (*)(const char *uplo, const char *diag, const int *n, float *a, const int *lda,
                        int *info, std::size_t uploLen, std::size_t diagLen);

struct Lapack
{
    Spotrf potrf = nullptr;
    Strtri trtri = nullptr;
};

const Lapack &lapack()
{
    static const Lapack l{reinterpret_cast<Spotrf>(::dlsym(RTLD_DEFAULT, "spotrf_")),
                          reinterpret_cast<Strtri>(::dlsym(RTLD_DEFAULT, "strtri_"))};
    return l;
}

std::atomic<GptqFactorRoute> g_route{GptqFactorRoute::Auto};

// J A J (rows and columns in reverse order) of a square row-major n x n matrix, plus `damp` on
// the diagonal; with `upperOnly` the result's strict lower triangle is written as zeros instead
// (A's strict upper is ignored).
void reverseInto(const float *a, float *out, std::int64_t n, bool upperOnly, float damp = 0.0f)
{
    for (std::int64_t i = 0; i < n; ++i) {
        const float *src = a + (n - 1 - i) * n;
        float *dst = out + i * n;
        std::reverse_copy(src, src + n, dst);
        dst[i] += damp;
        if (upperOnly)
            std::fill(dst, dst + i, 0.0f);
    }
}

// Through torch (its LAPACK calls plus copies): the same factor, when the symbols are missing.
std::optional<GptqInverseFactor> viaTorch(const torch::Tensor &h)
{
    auto [lower, info] =
        torch::linalg_cholesky_ex(h.flip({0, 1}), /*upper=*/false, /*check_errors=*/false);
    if (info.item<int>() != 0)
        return std::nullopt;
    const torch::Tensor inverse =
        torch::linalg_solve_triangular(lower, torch::eye(h.size(0), h.options()), /*upper=*/false);
    return GptqInverseFactor{inverse.flip({0, 1}).contiguous(),
                             lower.diagonal().square().min().item<double>()};
}

} // namespace

void setGptqFactorRoute(GptqFactorRoute route)
{
    g_route.store(route, std::memory_order_relaxed);
}

bool gptqLapackFactorAvailable()
{
    return lapack().potrf && lapack().trtri;
}

// H = U U^T with U upper triangular (the "UL" Cholesky: J H J = L L^T for the order reversal J
// gives U = J L J), then H^-1 = U^-T U^-1, and U^-1 = J L^-1 J is upper triangular: the upper
// Cholesky factor of H^-1 that GPTQ needs, without forming H^-1 and factoring it again. LAPACK's
// potrf + trtri (2/3 n^3 flops) in place on one reversed copy, on the calling thread (the BLAS is
// held at one thread, see compute_threads): the pipeline runs it beside other modules' work
// (pipeline.cpp) instead of splitting it, and the result does not depend on the thread count.
std::optional<GptqInverseFactor> gptqInverseFactor(const torch::Tensor &h, double damp)
{
    const torch::Tensor hc = h.to(torch::kFloat32).contiguous();
    const std::int64_t n = hc.size(0);
    const Lapack &l = lapack();
    std::optional<GptqInverseFactor> out;
    if (!l.potrf || !l.trtri || n > std::numeric_limits<int>::max() ||
        g_route.load(std::memory_order_relaxed) == GptqFactorRoute::Torch) {
        torch::Tensor hd = hc.clone();
        hd.diagonal().add_(float(damp));
        out = viaTorch(hd);
    } else {
        // Row-major J H J read column-major is itself (symmetric); its column-major upper
        // factor (A = U_c^T U_c) is the row-major lower L of J H J = L L^T, and strtri inverts it
        // in place. Only that triangle is written; the other still holds J H J and is dropped by
        // the reversal back.
        torch::Tensor a = torch::empty({n, n}, torch::kFloat32);
        float *ap = a.data_ptr<float>();
        reverseInto(hc.data_ptr<float>(), ap, n, /*upperOnly=*/false, float(damp));
        const int dim = int(n);
        int info = 0;
        l.potrf("U", &dim, ap, &dim, &info, 1);
        if (info != 0)
            return std::nullopt;
        double minPivot = std::numeric_limits<double>::infinity();
        for (std::int64_t i = 0; i < n; ++i)
            minPivot = std::min(minPivot, double(ap[i * n + i]) * double(ap[i * n + i]));
        l.trtri("U", "N", &dim, ap, &dim, &info, 1, 1);
        if (info != 0)
            return std::nullopt;
        torch::Tensor upper = torch::empty({n, n}, torch::kFloat32);
        reverseInto(ap, upper.data_ptr<float>(), n, /*upperOnly=*/true);
        out = GptqInverseFactor{upper, minPivot};
    }
    if (!out || !parallelAllFinite(out->upper))
        return std::nullopt;
    return out;
}

} // namespace lieq
