#pragma once

#include "kernels/type_traits.h"

// AVX2 + FMA dot products of the ggml block types with their quantized activations (Q8_0 for
// Q4_0/Q8_0, Q8_K for the K-quants): the same integer sums as kernels/vec_dot_ref.cpp, in
// 256-bit registers. Null for types without one.
namespace lieq::kernels::x86 {

VecDotFn ggmlVecDotAvx2(QuantType type);

// y[r] = the dot of weight row r (rows `rowBytes` apart from w) with activation row x, for
// r in [0, rows): several rows per pass share the activation loads. Each y[r] has the bits
// the type's VecDotFn gives for that row alone. Null where ggmlVecDotAvx2 is.
using GemvRowsFn = void (*)(std::int64_t n, const void *w, std::int64_t rowBytes,
                            std::int64_t rows, const void *x, float *y);
GemvRowsFn ggmlGemvAvx2(QuantType type);

// quantizeRowQ8_0Ref (ggml's quantize_row_q8_0_ref) in AVX2, the same bytes: the reference
// rounds by std::round, a libm call per value that cost as much as a 1024x1024 Q4_0 GEMV's
// last 15%.
void quantizeRowQ8_0Avx2(const float *x, void *y, std::int64_t k);

// quantizeRowQ8KRef (ggml's quantize_row_q8_K_ref, the K-quants' activations) in AVX2, the
// same bytes.
void quantizeRowQ8KAvx2(const float *x, void *y, std::int64_t k);

} // namespace lieq::kernels::x86

// The same dots with AVX512-VNNI/VL (callers check cpuFeatures().x86Vnni()); same results.
namespace lieq::kernels::x86vnni {

VecDotFn ggmlVecDotAvx2(QuantType type);
using x86::GemvRowsFn;
GemvRowsFn ggmlGemvAvx2(QuantType type);

} // namespace lieq::kernels::x86vnni
