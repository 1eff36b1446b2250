#include "kernels/gptq_ref.h"

#include "kernels/quant_search.h"

#include <algorithm>
#include <cmath>

namespace lieq::kernels {

namespace {

std::int64_t groupOf(const GptqMatrix &w, std::int64_t k)
{
    return w.gIdx ? w.gIdx[k] : k / w.shape.groupSize;
}

} // namespace

void gptqDequantizeRows(const GptqMatrix &w, std::int64_t row0, std::int64_t nrows, float *out)
{
    const GptqShape &s = w.shape;
    for (std::int64_t n = row0; n < row0 + nrows; ++n) {
        float *dst = out + (n - row0) * s.cols;
        for (std::int64_t k = 0; k < s.cols; ++k) {
            const std::int64_t g = groupOf(w, k);
            const float scale = fp16ToFp32(w.scales[g * s.rows + n]);
            dst[k] = scale * float(gptqCode(s, w.qweight, n, k) - gptqZero(s, w.qzeros, g, n));
        }
    }
}

void quantizeGptqActivations(const float *x, std::int64_t m, std::int64_t cols,
                             GptqActivations &out)
{
    out.rows = m;
    out.paddedCols = (cols + 31) / 32 * 32;
    const std::int64_t blocks = out.paddedCols / 32;
    out.q.assign(std::size_t(m * out.paddedCols), 0);
    out.d.assign(std::size_t(m * blocks), 0.0f);
    out.sums.assign(std::size_t(m * blocks), 0);
    for (std::int64_t i = 0; i < m; ++i) {
        const float *row = x + i * cols;
        for (std::int64_t b = 0; b < blocks; ++b) {
            const std::int64_t k0 = 32 * b, k1 = std::min(cols, k0 + 32);
            float amax = 0.0f;
            for (std::int64_t k = k0; k < k1; ++k)
                amax = std::max(amax, std::fabs(row[k]));
            const float d = amax / 127.0f;
            const float id = d > 0.0f ? 1.0f / d : 0.0f;
            std::int8_t *q = out.q.data() + i * out.paddedCols;
            int sum = 0;
            for (std::int64_t k = k0; k < k1; ++k) {
                q[k] = std::int8_t(detail::nearestInt(row[k] * id));
                sum += q[k];
            }
            out.d[i * blocks + b] = d;
            out.sums[i * blocks + b] = sum;
        }
    }
}

void gptqMatmulRef(const GptqMatrix &w, const GptqActivations &x, float *y, std::int64_t ldy,
                   std::int64_t nBegin, std::int64_t nEnd)
{
    const GptqShape &s = w.shape;
    const std::int64_t blocks = x.blocks();
    for (std::int64_t n = nBegin; n < nEnd; ++n) {
        for (std::int64_t i = 0; i < x.rows; ++i) {
            const std::int8_t *q = x.q.data() + i * x.paddedCols;
            const float *d = x.d.data() + i * blocks;
            double acc = 0.0;
            for (std::int64_t k = 0; k < s.cols; ++k) {
                const std::int64_t g = groupOf(w, k);
                const double weight = double(fp16ToFp32(w.scales[g * s.rows + n])) *
                                      (gptqCode(s, w.qweight, n, k) - gptqZero(s, w.qzeros, g, n));
                acc += weight * double(d[k / 32]) * q[k];
            }
            y[i * ldy + n] = float(acc);
        }
    }
}

bool gptqFastPath(const GptqMatrix &w)
{
    const GptqShape &s = w.shape;
    if (!gptqGroupsTrivial(s, w.gIdx))
        return false;
    return s.groups() == 1 || s.groupSize % 32 == 0;
}

} // namespace lieq::kernels
