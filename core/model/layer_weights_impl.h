#pragma once
// Internal (torch) header.

#include "core/model/linear_op_impl.h"
#include "core/io/projection.h"

#include <array>
#include <memory>

namespace lieq {

// Everything one decoder layer needs, materialised on the compute device in fp32.
struct LayerWeights
{
    torch::Tensor inputNorm;     // [hidden]
    torch::Tensor postAttnNorm;  // [hidden]
    torch::Tensor qNorm, kNorm;  // [headDim] (qwen3) or undefined
    std::array<std::shared_ptr<const LinearOp>, 7> linears; // indexed by Projection

    const LinearOp &linear(Projection p) const { return *linears[static_cast<int>(p)]; }
    std::int64_t bytes() const; // fp32 bytes held (for budget accounting)
};

} // namespace lieq
