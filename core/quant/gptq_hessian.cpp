#include "core/quant/gptq_impl.h"

#include "core/model/parallel_ops_impl.h"
#include "core/util/error.h"

#include <string>

namespace lieq {

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
    const torch::Tensor flat = x.reshape({-1, cols}).to(torch::kFloat32);
    const std::int64_t n = m_samples + samples;
    // Running average as the reference: H *= old/new, then H += 2/new * X^T X.
    parallelAddmm_(m_h, flat.t(), flat, double(m_samples) / double(n), 2.0 / double(n));
    m_samples = n;
    m_tokens += flat.size(0);
}

} // namespace lieq
