#pragma once

#include "kernels/type_traits.h"

// AVX2 + FMA + F16C dot products of F32, F16 or BF16 weight rows with fp32 activations.
namespace lieq::kernels::x86 {

VecDotFn floatVecDotAvx2(QuantType type);

} // namespace lieq::kernels::x86
