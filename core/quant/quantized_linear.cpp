#include "core/quant/quantized_linear_impl.h"

#include "core/quant/torch_bridge_impl.h"
#include "core/util/error.h"

namespace lieq {

QuantizedLinear::QuantizedLinear(QuantizedTensor tensor, torch::Tensor bias,
                                 std::vector<float> inputScales, bool cacheDense)
    : m_tensor(std::move(tensor)), m_bias(std::move(bias)),
      m_inputScales(std::move(inputScales)), m_cacheDense(cacheDense)
{
    validateQuantizedTensor(m_tensor);
    if (m_bias.defined() && (m_bias.dim() != 1 || m_bias.size(0) != m_tensor.rows))
        throw Error("QuantizedLinear: bias does not match the weight's output size");
    if (!m_inputScales.empty()) {
        if (static_cast<std::int64_t>(m_inputScales.size()) != m_tensor.cols)
            throw Error("QuantizedLinear: one input scale per input column is required");
        m_invScales = torch::from_blob(m_inputScales.data(),
                                       {static_cast<std::int64_t>(m_inputScales.size())},
                                       torch::kFloat32)
                          .reciprocal();
    }
}

torch::Tensor QuantizedLinear::dequantized() const
{
    std::lock_guard lock(m_mutex);
    if (m_dense.defined())
        return m_dense;
    torch::Tensor w = dequantizeTensor(m_tensor);
    if (m_cacheDense)
        m_dense = w;
    return w;
}

torch::Tensor QuantizedLinear::forward(const torch::Tensor &x) const
{
    const torch::Tensor w = dequantized().to(x.device());
    if (!m_invScales.defined())
        return torch::nn::functional::linear(x, w, m_bias);
    return torch::nn::functional::linear(x * m_invScales.to(x.device()), w, m_bias);
}

torch::Tensor QuantizedLinear::denseWeight() const
{
    torch::Tensor w = dequantized();
    return m_invScales.defined() ? w * m_invScales.unsqueeze(0) : w;
}

std::string QuantizedLinear::kind() const
{
    std::string k = "q" + std::to_string(m_tensor.bits) + "g" +
                    (m_tensor.groupSize > 0 ? std::to_string(m_tensor.groupSize) : "row");
    if (m_tensor.symmetric)
        k += "-sym";
    if (!m_tensor.perm.empty())
        k += "-act";
    if (!m_inputScales.empty())
        k += "-awq";
    return k;
}

void QuantizedLinear::dropCache() const
{
    std::lock_guard lock(m_mutex);
    m_dense = torch::Tensor();
}

bool QuantizedLinear::cached() const
{
    std::lock_guard lock(m_mutex);
    return m_dense.defined();
}

} // namespace lieq
