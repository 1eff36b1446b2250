#pragma once
// Internal (torch) header: ui/ and app/ never include it.

#include "core/model/linear_op_impl.h"
#include "core/quant/quantized_tensor.h"

#include <memory>
#include <mutex>
#include <vector>

namespace lieq {

// A decoder projection whose weight is a QuantizedTensor. It computes with the dequantized
// fp32 weight (exact: scale * (code - zero)), built on first use and, when `cacheDense`, kept
// until dropCache(); packed low-bit kernels replace forward() later without changing callers.
//
// AWQ scales that belong to the preceding RMSNorm are held as `inputScales` s: the op computes
// Q(W s) (x / s), the same function as folding 1/s into the norm. Saving folds them into the
// norm (quantizedInputScales()), so a reloaded checkpoint has none.
class QuantizedLinear final : public LinearOp
{
public:
    QuantizedLinear(QuantizedTensor tensor, torch::Tensor bias = {},
                    std::vector<float> inputScales = {}, bool cacheDense = true);

    torch::Tensor forward(const torch::Tensor &x) const override;
    std::int64_t inFeatures() const override { return m_tensor.cols; }
    std::int64_t outFeatures() const override { return m_tensor.rows; }
    // Dequantized weight in the input space the op is called with (input scales divided out).
    torch::Tensor denseWeight() const override;
    torch::Tensor bias() const override { return m_bias; }
    std::string kind() const override; // "q4g128", "q2g128-sym", "q4g128-awq"

    const QuantizedTensor &tensor() const { return m_tensor; }
    const std::vector<float> &inputScales() const { return m_inputScales; }
    void dropCache() const;      // frees the dequantized copy (rebuilt on next use)
    bool cached() const;

private:
    torch::Tensor dequantized() const; // Q(W s) as fp32 [out, in]

    QuantizedTensor m_tensor;
    torch::Tensor m_bias;
    std::vector<float> m_inputScales;
    torch::Tensor m_invScales; // 1 / s as [in], or undefined
    bool m_cacheDense = true;
    mutable std::mutex m_mutex;
    mutable torch::Tensor m_dense;
};

} // namespace lieq
