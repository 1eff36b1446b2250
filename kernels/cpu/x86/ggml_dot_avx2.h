#pragma once

#include "kernels/type_traits.h"

// AVX2 + FMA dot products of the ggml block types with their quantized activations (Q8_0 for
// Q4_0/Q8_0, Q8_K for the K-quants): the same integer sums as kernels/vec_dot_ref.cpp, in
// 256-bit registers. Null for types without one.
namespace lieq::kernels::x86 {

VecDotFn ggmlVecDotAvx2(QuantType type);

} // namespace lieq::kernels::x86

// The same dots with AVX512-VNNI/VL (callers check cpuFeatures().x86Vnni()); same results.
namespace lieq::kernels::x86vnni {

VecDotFn ggmlVecDotAvx2(QuantType type);

} // namespace lieq::kernels::x86vnni
