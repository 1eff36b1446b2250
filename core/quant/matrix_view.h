#pragma once

#include <cstdint>

namespace lieq {

// Row-major fp32 matrix borrowed from the caller (weights are [out, in], activations are
// [tokens, in]). Keeps the public quantization headers free of torch types.
struct MatrixView
{
    const float *data = nullptr;
    std::int64_t rows = 0;
    std::int64_t cols = 0;
};

// Writable variant, for functions that modify weights in place (scale folding, clipping).
struct MatrixSpan
{
    float *data = nullptr;
    std::int64_t rows = 0;
    std::int64_t cols = 0;

    operator MatrixView() const { return {data, rows, cols}; }
};

} // namespace lieq
