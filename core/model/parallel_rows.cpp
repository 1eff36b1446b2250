#include "core/model/parallel_rows_impl.h"

#include "core/model/parallel_ops_impl.h"
#include "core/model/tensor_ops_impl.h"
#include "core/util/error.h"

#include <algorithm>

namespace lieq {

namespace {

torch::Tensor rows2d(const torch::Tensor &x)
{
    return x.reshape({-1, x.size(-1)});
}

void requireSameShape(const torch::Tensor &a, const torch::Tensor &b, const char *what)
{
    if (a.sizes() != b.sizes())
        throw Error(std::string(what) + ": operands differ in shape");
}

// The rotary embedding of x [c, heads, D] (cos/sin [c, 1, D/2]) written into out (same shape,
// any strides): the two halves as applyRope computes them, without the concatenation.
void ropeInto(torch::Tensor out, const torch::Tensor &x, const torch::Tensor &cos,
              const torch::Tensor &sin)
{
    const std::int64_t half = x.size(-1) / 2;
    const torch::Tensor x1 = x.narrow(-1, 0, half), x2 = x.narrow(-1, half, half);
    torch::Tensor o1 = out.narrow(-1, 0, half), o2 = out.narrow(-1, half, half);
    torch::mul_out(o1, x1, cos).sub_(x2 * sin);
    torch::mul_out(o2, x2, cos).add_(x1 * sin);
}

} // namespace

torch::Tensor parallelRmsNorm(const torch::Tensor &x, const torch::Tensor &weight, double eps)
{
    const torch::Tensor in = rows2d(x.contiguous());
    torch::Tensor out = torch::empty_like(in);
    parallelForRows(in, in.size(0), in.size(1), [&](std::int64_t r0, std::int64_t r1) {
        const torch::Tensor xs = in.narrow(0, r0, r1 - r0);
        torch::Tensor os = out.narrow(0, r0, r1 - r0);
        torch::mul_out(os, xs, torch::rsqrt(xs.square().mean(-1, /*keepdim=*/true) + eps))
            .mul_(weight);
    });
    return out.view(x.sizes());
}

AttentionInputs parallelAttentionInputs(const torch::Tensor &q, const torch::Tensor &k,
                                        const torch::Tensor &v, const torch::Tensor &qNorm,
                                        const torch::Tensor &kNorm, double eps,
                                        const torch::Tensor &cos, const torch::Tensor &sin)
{
    const std::int64_t B = q.size(0), T = q.size(1), nh = q.size(2), D = q.size(3);
    const std::int64_t nkv = k.size(2);
    if (k.sizes() != v.sizes() || k.size(0) != B || k.size(1) != T || k.size(3) != D ||
        cos.size(0) != T || sin.size(0) != T || cos.size(-1) * 2 != D)
        throw Error("attention inputs: q, k, v and the rotary tables disagree in shape");
    AttentionInputs r{torch::empty({B, nh, T, D}, q.options()),
                      torch::empty({B, nkv, T, D}, k.options()),
                      torch::empty({B, nkv, T, D}, v.options())};
    // Views of the outputs in the projections' layout [B, T, heads, D].
    const torch::Tensor qOut = r.q.permute({0, 2, 1, 3}), kOut = r.k.permute({0, 2, 1, 3}),
                        vOut = r.v.permute({0, 2, 1, 3});
    const torch::Tensor c3 = cos.view({T, 1, D / 2}), s3 = sin.view({T, 1, D / 2});
    const auto normed = [eps](const torch::Tensor &x, const torch::Tensor &w) {
        return w.defined() ? rmsNorm(x, w, eps) : x;
    };
    // One row is one position of one sequence: all its heads of q, k and v.
    parallelForRows(q, B * T, (nh + 2 * nkv) * D, [&](std::int64_t r0, std::int64_t r1) {
        for (std::int64_t b = r0 / T; b * T < r1; ++b) {
            const std::int64_t t0 = std::max(r0 - b * T, std::int64_t{0});
            const std::int64_t t1 = std::min(r1 - b * T, T), n = t1 - t0;
            const torch::Tensor cs = c3.narrow(0, t0, n), sn = s3.narrow(0, t0, n);
            ropeInto(qOut[b].narrow(0, t0, n), normed(q[b].narrow(0, t0, n), qNorm), cs, sn);
            ropeInto(kOut[b].narrow(0, t0, n), normed(k[b].narrow(0, t0, n), kNorm), cs, sn);
            vOut[b].narrow(0, t0, n).copy_(v[b].narrow(0, t0, n));
        }
    });
    return r;
}

torch::Tensor &parallelSiluMul_(torch::Tensor &gate, const torch::Tensor &up)
{
    requireSameShape(gate, up, "silu gating");
    if (!gate.is_contiguous())
        gate = gate.contiguous();
    // Split at multiples of 64 elements of the flat tensor, not by rows: torch computes SiLU with
    // vectorised exp in whole vectors and a scalar exp for a loop's tail, so only chunks that
    // start on a vector boundary give the unsplit bits.
    const torch::Tensor g = gate.view({-1}), u = up.reshape({-1});
    const std::int64_t n = g.numel(), vec = 64;
    parallelForRows(g, (n + vec - 1) / vec, vec, [&](std::int64_t b0, std::int64_t b1) {
        const std::int64_t e0 = b0 * vec, e1 = std::min(n, b1 * vec);
        torch::Tensor gs = g.narrow(0, e0, e1 - e0);
        torch::silu_(gs).mul_(u.narrow(0, e0, e1 - e0));
    });
    return gate;
}

torch::Tensor &parallelAdd_(torch::Tensor &y, const torch::Tensor &x)
{
    requireSameShape(y, x, "residual add");
    if (!y.is_contiguous())
        y = y.contiguous();
    const torch::Tensor a = rows2d(y), b = rows2d(x);
    parallelForRows(a, a.size(0), a.size(1), [&](std::int64_t r0, std::int64_t r1) {
        a.narrow(0, r0, r1 - r0).add_(b.narrow(0, r0, r1 - r0));
    });
    return y;
}

} // namespace lieq
