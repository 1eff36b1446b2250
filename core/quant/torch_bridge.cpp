#include "core/quant/torch_bridge_impl.h"

#include "core/quant/rtn.h"
#include "core/util/error.h"

namespace lieq {

namespace {

void checkFloatMatrix(const torch::Tensor &t)
{
    if (!t.defined() || t.dim() != 2 || t.scalar_type() != torch::kFloat32 || !t.is_contiguous())
        throw Error("quantization: expected a contiguous 2-D fp32 tensor");
}

} // namespace

torch::Tensor dequantizeTensor(const QuantizedTensor &q)
{
    torch::Tensor out = torch::empty({q.rows, q.cols}, torch::kFloat32);
    dequantizeInto(q, out.data_ptr<float>());
    return out;
}

QuantizedTensor quantizeRtn(const torch::Tensor &weight, const QuantConfig &config)
{
    if (!weight.defined() || weight.dim() != 2)
        throw Error("RTN: the weight must be a matrix");
    const torch::Tensor w = weight.to(torch::kFloat32).contiguous();
    return quantizeRtn(viewOf(w), config);
}

MatrixView viewOf(const torch::Tensor &t)
{
    checkFloatMatrix(t);
    return {t.data_ptr<float>(), t.size(0), t.size(1)};
}

MatrixSpan spanOf(torch::Tensor &t)
{
    checkFloatMatrix(t);
    return {t.data_ptr<float>(), t.size(0), t.size(1)};
}

} // namespace lieq
