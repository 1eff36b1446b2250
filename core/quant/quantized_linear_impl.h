#pragma once
// Internal (torch) header: ui/ and app/ never include it.

#include "core/model/linear_op_impl.h"
#include "core/quant/quantized_tensor.h"
#include "kernels/matmul.h"

#include <memory>
#include <mutex>
#include <vector>

namespace lieq {

// A decoder projection whose weight is held packed (GPTQ v1: kernels/gptq_pack.h, or a ggml
// block type read from a GGUF) and only packed: forward() on the CPU runs kernels::matmul, a GEMV for one token and a GEMM for a
// batch of rows (activations quantized to int8 per 32 inputs, as llama.cpp quantizes them to
// Q8). Nothing dense is kept unless asked: denseWeight() dequantizes on each call, and on a
// non-CPU device forward() uses the dequantized weight, cached there when `cacheDense`.
//
// AWQ scales that belong to the preceding RMSNorm are held as `inputScales` s: the op computes
// Q(W s) (x / s), the same function as folding 1/s into the norm. Saving folds them into the
// norm (quantizedInputScales()), so a reloaded checkpoint has none.
//
// Act-order (g_idx not trivial): the inputs are reordered once at construction so that groups
// are contiguous (an owned copy of qweight), and forward() gathers x in that order.
class QuantizedLinear final : public LinearOp
{
public:
    // Packs `tensor` (scales rounded to fp16); its codes are not kept.
    explicit QuantizedLinear(const QuantizedTensor &tensor, torch::Tensor bias = {},
                             std::vector<float> inputScales = {}, bool cacheDense = false);
    // Runs on packed arrays as they are (zero copy for a mapped checkpoint).
    explicit QuantizedLinear(PackedWeight packed, torch::Tensor bias = {},
                             std::vector<float> inputScales = {}, bool cacheDense = false);
    // A row-major weight of a ggml type (Q4_K, Q2_K, ..., F16, BF16: e.g. a GGUF tensor in
    // place); `keeper` owns the bytes.
    QuantizedLinear(const kernels::WeightView &weight, std::shared_ptr<const void> keeper,
                    torch::Tensor bias = {});

    torch::Tensor forward(const torch::Tensor &x) const override;
    bool forwardRow(const float *x, float *y) const override; // the kernels' GEMV in place
    std::int64_t inFeatures() const override { return m_view.cols; }
    std::int64_t outFeatures() const override { return m_view.rows; }
    // Dequantized weight in the input space the op is called with (input scales divided out).
    torch::Tensor denseWeight() const override;
    torch::Tensor bias() const override { return m_bias; }
    std::string kind() const override; // "q4g128", "q2g128-sym", "q4g128-act-awq", "q4_K"

    // GPTQ layout (this project's quantizers and checkpoints) rather than a ggml type.
    bool isGptq() const { return kernels::typeTraits(m_view.type).gptqColumns; }
    kernels::QuantType type() const { return m_view.type; }
    // GPTQ only (throws lieq::Error otherwise): the packed arrays, and an unpacked copy.
    const PackedWeight &packed() const;
    QuantizedTensor tensor() const;
    const std::vector<float> &inputScales() const { return m_inputScales; }
    // Bytes this op keeps for its weight: the packed arrays (plus the reordered copy for
    // act-order), not counting a dense device cache.
    std::int64_t residentBytes() const;
    void dropCache() const;      // frees a dense device copy, if any
    bool cached() const;

private:
    void init();
    // The view passes the kernels' checks and the bias, if any, has one value per output row.
    void checkViewAndBias() const;
    torch::Tensor dequantized() const; // Q(W s) as fp32 [out, in], original column order

    PackedWeight m_packed;               // GPTQ types
    std::shared_ptr<const void> m_keeper; // ggml types: owner of the bytes
    kernels::WeightView m_view;          // what the kernels run (reordered for act-order)
    std::vector<std::int32_t> m_reordered; // act-order: qweight with groups contiguous
    torch::Tensor m_order;                 // act-order: input order as int64 [in], else undefined
    torch::Tensor m_bias;
    std::vector<float> m_inputScales;
    torch::Tensor m_invScales; // 1 / s as [in], or undefined
    bool m_cacheDense = false;
    mutable std::mutex m_mutex;
    mutable torch::Tensor m_dense;
};

} // namespace lieq
