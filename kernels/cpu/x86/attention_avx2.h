#pragma once

#include "kernels/attention.h"

// AVX2 + FMA decode attention (this file's .cpp alone is compiled with those instructions;
// attendDecode checks kernels::cpuFeatures() first).
namespace lieq::kernels::x86 {

void attendDecodeAvx2(const DecodeAttention &a);

} // namespace lieq::kernels::x86
