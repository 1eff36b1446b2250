#pragma once

#include "kernels/cpu_features.h"
#include "kernels/gptq_ref.h"
#include "kernels/type_traits.h"

#include <cstdint>

// y = x W^T for a packed weight W [rows = out features, cols = in features] and m activation
// rows: one call serves decode (m = 1, GEMV) and prefill or batched evaluation (m > 1, GEMM;
// the weights are decoded once per group of up to 4 activation rows). Activations are quantized
// the way the type's dot product wants them (Q8_K, Q8_0, or int8 per 32 for GPTQ), as llama.cpp
// does. Work is split over output rows through kernels::parallelFor.
namespace lieq::kernels {

struct WeightView
{
    QuantType type = QuantType::F32;
    std::int64_t rows = 0;
    std::int64_t cols = 0;
    const void *data = nullptr; // F32, F16, ggml types: rows x rowBytes(type, cols) bytes
    GptqMatrix gptq;            // GPTQ types (gptq.shape gives rows, cols, bits, groups)
};

// A view of a GPTQ matrix.
WeightView gptqView(const GptqMatrix &m);

// Checks the view (sizes, block multiples, pointers); throws std::invalid_argument naming
// the problem.
void validate(const WeightView &w);

// x: m x cols floats, y: m x rows floats (row-major). Auto picks AVX2 when the CPU has it.
void matmul(const WeightView &w, const float *x, std::int64_t m, float *y,
            Backend backend = Backend::Auto);

// Rows [row0, row0 + nrows) of W as fp32, row-major: exact for every type.
void dequantizeRows(const WeightView &w, std::int64_t row0, std::int64_t nrows, float *out);

// Bytes a GEMV reads for the weights: codes, scales, zeros (what bandwidth figures count).
std::int64_t weightBytes(const WeightView &w);

} // namespace lieq::kernels
