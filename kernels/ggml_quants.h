#pragma once

#include "kernels/ggml_blocks.h"

#include <cstdint>

// Reference quantizers and dequantizers of the ggml block types. quantizeRow*Ref produce the
// same bytes as llama.cpp's quantize_row_*_ref (and so as llama_model_quantize without an
// importance matrix); dequantizeRow* the same floats as its dequantize_row_*. `k` values, a
// multiple of the block size (32 for Q4_0/Q8_0, 256 for the K-quants).
namespace lieq::kernels {

void quantizeRowQ4_0Ref(const float *x, BlockQ4_0 *y, std::int64_t k);
void dequantizeRowQ4_0(const BlockQ4_0 *x, float *y, std::int64_t k);

void quantizeRowQ8_0Ref(const float *x, BlockQ8_0 *y, std::int64_t k);
void dequantizeRowQ8_0(const BlockQ8_0 *x, float *y, std::int64_t k);

void quantizeRowQ2KRef(const float *x, BlockQ2K *y, std::int64_t k);
void dequantizeRowQ2K(const BlockQ2K *x, float *y, std::int64_t k);

void quantizeRowQ3KRef(const float *x, BlockQ3K *y, std::int64_t k);
void dequantizeRowQ3K(const BlockQ3K *x, float *y, std::int64_t k);

void quantizeRowQ4KRef(const float *x, BlockQ4K *y, std::int64_t k);
void dequantizeRowQ4K(const BlockQ4K *x, float *y, std::int64_t k);

void quantizeRowQ6KRef(const float *x, BlockQ6K *y, std::int64_t k);
void dequantizeRowQ6K(const BlockQ6K *x, float *y, std::int64_t k);

// Activations for the K-quant dot products (ggml's quantize_row_q8_K_ref).
void quantizeRowQ8KRef(const float *x, BlockQ8K *y, std::int64_t k);
void dequantizeRowQ8K(const BlockQ8K *x, float *y, std::int64_t k);

} // namespace lieq::kernels
