#pragma once

#include "kernels/cpu/x86/ggml_dot_avx2.h"
#include "kernels/type_traits.h"

#include <cstdint>

// GEMV of F32/F16/BF16 rows (kernels/cpu/x86/float_gemv_impl.h): y[r] = row r . x for the
// rows of one call. BF16 rows take their activations through prepareBf16Activations.
namespace lieq::kernels::x86 {

GemvRowsFn floatGemvAvx2(QuantType type); // null for other types

// x [n] -> out [n]: per whole 32 values, the 16 even ones then the 16 odd ones (the order in
// which the BF16 GEMV splits its 32-bit lanes); the last n % 32 as they are.
void prepareBf16Activations(const float *x, std::int64_t n, float *out);

} // namespace lieq::kernels::x86

// The same GEMVs in 512-bit registers (callers check cpuFeatures().x86Vnni()); the same bits.
namespace lieq::kernels::x86vnni {

GemvRowsFn floatGemvAvx2(QuantType type);

} // namespace lieq::kernels::x86vnni
