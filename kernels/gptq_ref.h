#pragma once

#include "kernels/gptq_pack.h"

#include <cstdint>
#include <vector>

// Reference (scalar) kernels of the GPTQ v1 layout, the definition the SIMD kernels are tested
// against. Activations are quantized to int8 in blocks of 32 inputs (one float scale each),
// as ggml quantizes them to Q8 for its dot products: y = sum_k W[n][k] * d_b q_k.
namespace lieq::kernels {

// A GPTQ v1 matrix in memory (the storage belongs to the caller: a mapped checkpoint or vectors).
struct GptqMatrix
{
    GptqShape shape;
    const std::int32_t *qweight = nullptr;
    const std::int32_t *qzeros = nullptr;
    const fp16_t *scales = nullptr;
    const std::int32_t *gIdx = nullptr; // null: trivial groups (k / groupSize)
};

// Exact dequantization: rows [row0, row0 + nrows) as fp32, row-major (cols values each).
void gptqDequantizeRows(const GptqMatrix &w, std::int64_t row0, std::int64_t nrows, float *out);

// Activation rows quantized for the GPTQ kernels, inputs padded to a multiple of 32.
struct GptqActivations
{
    std::int64_t rows = 0;
    std::int64_t paddedCols = 0;
    std::vector<std::int8_t> q;     // rows x paddedCols, natural input order
    std::vector<float> d;           // rows x paddedCols / 32
    std::vector<std::int32_t> sums; // rows x paddedCols / 32: sum of q in the block

    std::int64_t blocks() const { return paddedCols / 32; }
};

// x: m rows of `cols` floats. Per 32 inputs d = max|x| / 127, q = round(x / d) (ties to even).
void quantizeGptqActivations(const float *x, std::int64_t m, std::int64_t cols,
                             GptqActivations &out);

// y[i][n] for outputs n in [nBegin, nEnd) and every activation row i (y row stride `ldy`),
// from the quantized activations; any g_idx, any group size.
void gptqMatmulRef(const GptqMatrix &w, const GptqActivations &x, float *y, std::int64_t ldy,
                   std::int64_t nBegin, std::int64_t nEnd);

// Whether the SIMD kernels apply: trivial groups that are whole 32-input blocks (or one group).
bool gptqFastPath(const GptqMatrix &w);

} // namespace lieq::kernels
