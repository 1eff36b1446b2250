#include "core/quant/gptq_impl.h"

#include "core/model/parallel_ops_impl.h"
#include "core/util/error.h"
#include "core/util/thread_pool.h"

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

namespace lieq {

namespace {

// Columns per block of the upper triangle (see addGram): 8 blocks for 1024 inputs, 24 for 3072.
constexpr std::int64_t kGramBlock = 128;
// Rows and columns per tile of the mirror copy.
constexpr std::int64_t kMirrorTile = 64;

// h = beta h + alpha x^T x for symmetric h [n, n] and x [tokens, n] (fp32, contiguous), computing
// the upper triangle only, by fixed blocks of kGramBlock columns: block [c0, c1) is rows [0, c1)
// of those columns, one GEMM of x[:, 0:c1]^T x[:, c0:c1] (its diagonal block in full), written in
// place. About half the multiply-adds of the whole product; the blocks are independent tasks,
// taken largest first by the pool's threads, each on one thread, instead of one product split by
// rows that re-packed x in every chunk (1.2-1.3x on two threads). Then the strict lower triangle
// is the mirror of the upper one, so h is exactly symmetric. Every element comes from the same
// single-threaded GEMM at any thread count: the result does not depend on it.
void addGram(torch::Tensor &h, const torch::Tensor &x, double beta, double alpha)
{
    const std::int64_t n = h.size(0);
    const std::int64_t blocks = (n + kGramBlock - 1) / kGramBlock;
    std::vector<std::function<void()>> tasks;
    for (std::int64_t b = blocks - 1; b >= 0; --b) // largest (rightmost) first
        tasks.emplace_back([&h, &x, b, n, beta, alpha] {
            const std::int64_t c0 = b * kGramBlock, c1 = std::min(n, c0 + kGramBlock);
            torch::Tensor out = h.narrow(0, 0, c1).narrow(1, c0, c1 - c0);
            out.addmm_(x.narrow(1, 0, c1).t(), x.narrow(1, c0, c1 - c0), beta, alpha);
        });
    runSideBySide(tasks);
    // Lower from upper, in square tiles (row tile i reads the column tiles above its diagonal).
    float *hp = h.data_ptr<float>();
    const std::int64_t tiles = (n + kMirrorTile - 1) / kMirrorTile;
    parallelForRows(h, tiles, kMirrorTile * n / 2, [&](std::int64_t t0, std::int64_t t1) {
        for (std::int64_t t = t0; t < t1; ++t) {
            const std::int64_t r0 = t * kMirrorTile, r1 = std::min(n, r0 + kMirrorTile);
            for (std::int64_t c0 = 0; c0 < r1; c0 += kMirrorTile) {
                const std::int64_t c1 = std::min(r1, c0 + kMirrorTile);
                for (std::int64_t r = r0; r < r1; ++r)
                    for (std::int64_t c = c0; c < std::min(c1, r); ++c)
                        hp[r * n + c] = hp[c * n + r];
            }
        }
    });
}

} // namespace

GptqHessian::GptqHessian(std::int64_t columns)
{
    if (columns <= 0)
        throw Error("GPTQ: a layer needs at least one input column");
    m_h = torch::zeros({columns, columns}, torch::kFloat32);
}

void GptqHessian::addBatch(const torch::Tensor &x)
{
    addBatch(x, x.dim() == 3 ? x.size(0) : 1);
}

void GptqHessian::addBatch(const torch::Tensor &x, std::int64_t samples)
{
    const std::int64_t cols = columns();
    if (x.dim() < 1 || x.size(-1) != cols)
        throw Error("GPTQ: calibration input has " +
                    std::to_string(x.dim() ? x.size(-1) : 0) + " features, the layer has " +
                    std::to_string(cols) + " input columns");
    if (samples <= 0)
        throw Error("GPTQ: a calibration batch must count at least one sample");
    const torch::Tensor flat = x.reshape({-1, cols}).to(torch::kFloat32).contiguous();
    const std::int64_t n = m_samples + samples;
    // Running average as the reference: H *= old/new, then H += 2/new * X^T X.
    addGram(m_h, flat, double(m_samples) / double(n), 2.0 / double(n));
    m_samples = n;
    m_tokens += flat.size(0);
}

} // namespace lieq
