#include "core/model/linear_op_impl.h"
#include "core/model/parallel_ops_impl.h"

#include "core/util/error.h"

namespace lieq {

DenseLinear::DenseLinear(torch::Tensor weight, torch::Tensor bias)
    : m_weight(std::move(weight)), m_bias(std::move(bias))
{
    if (m_weight.dim() != 2 || m_weight.scalar_type() != torch::kFloat32)
        throw Error("DenseLinear needs a 2-D fp32 weight");
    if (m_bias.defined() && (m_bias.dim() != 1 || m_bias.size(0) != m_weight.size(0)))
        throw Error("DenseLinear bias does not match the weight's output size");
}

torch::Tensor DenseLinear::forward(const torch::Tensor &x) const
{
    return parallelLinear(x, m_weight, m_bias);
}

} // namespace lieq
