#pragma once
// Internal (torch) header: ui/ and app/ never include it.

#include <torch/torch.h>

#include <cstdint>
#include <string>

namespace lieq {

// One linear projection y = x W^T (+ b). The runtime only calls forward(), so a quantized
// packed implementation can stand in for the fp32 dense one without touching the decoder.
class LinearOp
{
public:
    virtual ~LinearOp() = default;
    // x: [..., inFeatures] fp32 -> [..., outFeatures] fp32, on the op's device.
    virtual torch::Tensor forward(const torch::Tensor &x) const = 0;
    // One activation row on the CPU, raw: y[outFeatures] = forward(x[inFeatures]), the same
    // values. Returns false when the op has no such path (the caller then uses forward()).
    // The decode step calls it ~200 times per token, without a tensor per call.
    virtual bool forwardRow(const float *x, float *y) const
    {
        (void)x;
        (void)y;
        return false;
    }
    virtual std::int64_t inFeatures() const = 0;
    virtual std::int64_t outFeatures() const = 0;
    // The effective weight as fp32 [out, in] (dequantized for packed ops); for analysis.
    virtual torch::Tensor denseWeight() const = 0;
    // Bias [out] or an undefined tensor.
    virtual torch::Tensor bias() const = 0;
    // "dense-f32", "rtn-w4g128", ... for logs and reports.
    virtual std::string kind() const = 0;
};

// fp32 dense weight (and optional bias); the weight may be a zero-copy view of an F32 mmap.
class DenseLinear final : public LinearOp
{
public:
    DenseLinear(torch::Tensor weight, torch::Tensor bias = {});

    torch::Tensor forward(const torch::Tensor &x) const override;
    std::int64_t inFeatures() const override { return m_weight.size(1); }
    std::int64_t outFeatures() const override { return m_weight.size(0); }
    torch::Tensor denseWeight() const override { return m_weight; }
    torch::Tensor bias() const override { return m_bias; }
    std::string kind() const override { return "dense-f32"; }

private:
    torch::Tensor m_weight; // [out, in] fp32
    torch::Tensor m_bias;   // [out] fp32 or undefined
};

} // namespace lieq
