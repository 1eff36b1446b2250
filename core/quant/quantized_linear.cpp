#include "core/quant/quantized_linear_impl.h"

#include "core/util/error.h"
#include "kernels/gptq_pack.h"

namespace lieq {

QuantizedLinear::QuantizedLinear(const QuantizedTensor &tensor, torch::Tensor bias,
                                 std::vector<float> inputScales, bool cacheDense)
    : QuantizedLinear(packQuantizedTensor(tensor), std::move(bias), std::move(inputScales),
                      cacheDense)
{
}

QuantizedLinear::QuantizedLinear(PackedWeight packed, torch::Tensor bias,
                                 std::vector<float> inputScales, bool cacheDense)
    : m_packed(std::move(packed)), m_bias(std::move(bias)),
      m_inputScales(std::move(inputScales)), m_cacheDense(cacheDense)
{
    init();
}

QuantizedLinear::QuantizedLinear(const kernels::WeightView &weight, std::shared_ptr<const void> keeper,
                                 torch::Tensor bias)
    : m_keeper(std::move(keeper)), m_view(weight), m_bias(std::move(bias))
{
    if (kernels::typeTraits(weight.type).gptqColumns)
        throw Error("QuantizedLinear: a GPTQ matrix comes as a PackedWeight");
    checkViewAndBias();
}

void QuantizedLinear::checkViewAndBias() const
{
    try {
        kernels::validate(m_view);
    } catch (const std::invalid_argument &e) {
        throw Error(std::string("QuantizedLinear: ") + e.what());
    }
    if (m_bias.defined() && (m_bias.dim() != 1 || m_bias.size(0) != m_view.rows))
        throw Error("QuantizedLinear: bias does not match the weight's output size");
}

const PackedWeight &QuantizedLinear::packed() const
{
    if (!isGptq())
        throw Error(std::string("QuantizedLinear: a ") + kernels::typeTraits(m_view.type).name +
                    " weight has no GPTQ packing");
    return m_packed;
}

QuantizedTensor QuantizedLinear::tensor() const
{
    return unpackQuantizedTensor(packed());
}

void QuantizedLinear::init()
{
    const kernels::GptqShape &s = m_packed.shape;
    m_view = kernels::gptqView(m_packed.matrix());
    checkViewAndBias();
    if (!m_inputScales.empty()) {
        if (static_cast<std::int64_t>(m_inputScales.size()) != s.cols)
            throw Error("QuantizedLinear: one input scale per input column is required");
        m_invScales = torch::from_blob(m_inputScales.data(),
                                       {static_cast<std::int64_t>(m_inputScales.size())},
                                       torch::kFloat32)
                          .reciprocal();
    }
    if (!m_packed.actOrder())
        return;
    // Take the inputs group by group; when that makes g_idx trivial the fast kernels apply.
    const std::vector<std::int32_t> order = kernels::gptqGroupOrder(s, m_packed.gIdx);
    std::vector<std::int32_t> sortedGroups(order.size());
    for (std::size_t k = 0; k < order.size(); ++k)
        sortedGroups[k] = m_packed.gIdx[order[k]];
    if (!kernels::gptqGroupsTrivial(s, sortedGroups.data()))
        return; // uneven groups: the reference kernel follows g_idx as it is
    m_reordered.resize(std::size_t(s.qweightWords()));
    kernels::gptqPermuteInputs(s, m_packed.qweight, order, m_reordered.data());
    m_view.gptq.qweight = m_reordered.data();
    m_view.gptq.gIdx = nullptr;
    m_order = torch::tensor(std::vector<std::int64_t>(order.begin(), order.end()), torch::kInt64);
}

torch::Tensor QuantizedLinear::dequantized() const
{
    torch::Tensor w = torch::empty({m_view.rows, m_view.cols}, torch::kFloat32);
    if (isGptq())
        kernels::gptqDequantizeRows(m_packed.matrix(), 0, m_view.rows, w.data_ptr<float>());
    else
        kernels::dequantizeRows(m_view, 0, m_view.rows, w.data_ptr<float>());
    return w;
}

torch::Tensor QuantizedLinear::forward(const torch::Tensor &x) const
{
    const std::int64_t in = m_view.cols, out = m_view.rows;
    if (x.size(-1) != in)
        throw Error("QuantizedLinear: input has " + std::to_string(x.size(-1)) +
                    " features, the weight " + std::to_string(in));
    torch::Tensor xs = x.to(torch::kFloat32);
    if (m_invScales.defined())
        xs = xs * m_invScales.to(x.device());
    if (!x.device().is_cpu()) {
        // The kernels are CPU kernels: elsewhere compute with the dequantized weight.
        torch::Tensor w;
        {
            std::lock_guard lock(m_mutex);
            w = m_dense.defined() ? m_dense : dequantized().to(x.device());
            if (m_cacheDense)
                m_dense = w;
        }
        return torch::nn::functional::linear(xs, w, m_bias.defined() ? m_bias.to(x.device()) : m_bias);
    }
    if (m_order.defined())
        xs = xs.index_select(-1, m_order);
    xs = xs.contiguous();
    std::vector<std::int64_t> shape = xs.sizes().vec();
    shape.back() = out;
    torch::Tensor y = torch::empty(shape, torch::kFloat32);
    const std::int64_t rows = in > 0 ? xs.numel() / in : 0;
    kernels::matmul(m_view, xs.data_ptr<float>(), rows, y.data_ptr<float>());
    if (m_bias.defined())
        y.add_(m_bias);
    return y;
}

bool QuantizedLinear::forwardRow(const float *x, float *y) const
{
    if (m_bias.defined() && (!m_bias.device().is_cpu() || m_bias.scalar_type() != torch::kFloat32 ||
                             !m_bias.is_contiguous()))
        return false;
    const float *xs = x;
    if (m_invScales.defined() || m_order.defined()) {
        // forward()'s x * (1 / s), then the act-order gather, per element.
        thread_local std::vector<float> adjusted;
        adjusted.resize(std::size_t(m_view.cols));
        const float *inv = m_invScales.defined() ? m_invScales.data_ptr<float>() : nullptr;
        const std::int64_t *order = m_order.defined() ? m_order.data_ptr<std::int64_t>() : nullptr;
        for (std::int64_t k = 0; k < m_view.cols; ++k) {
            const std::int64_t j = order ? order[k] : k;
            adjusted[std::size_t(k)] = inv ? x[j] * inv[j] : x[j];
        }
        xs = adjusted.data();
    }
    kernels::matmul(m_view, xs, 1, y);
    if (m_bias.defined()) {
        const float *b = m_bias.data_ptr<float>();
        for (std::int64_t o = 0; o < m_view.rows; ++o)
            y[o] += b[o];
    }
    return true;
}

torch::Tensor QuantizedLinear::denseWeight() const
{
    torch::Tensor w = dequantized();
    return m_invScales.defined() ? w * m_invScales.unsqueeze(0) : w;
}

std::string QuantizedLinear::kind() const
{
    if (!isGptq())
        return kernels::typeTraits(m_view.type).name;
    const int g = m_packed.configuredGroupSize;
    std::string k = "q" + std::to_string(m_packed.shape.bits) + "g" +
                    (g > 0 ? std::to_string(g) : "row");
    if (m_packed.symmetric)
        k += "-sym";
    if (m_packed.actOrder())
        k += "-act";
    if (!m_inputScales.empty())
        k += "-awq";
    return k;
}

std::int64_t QuantizedLinear::residentBytes() const
{
    if (!isGptq())
        return kernels::weightBytes(m_view);
    return m_packed.bytes() + std::int64_t(m_reordered.size() * sizeof(std::int32_t));
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
