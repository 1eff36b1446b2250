// The GPTQ kernels built with AVX512-VNNI/VL (vpdpbusd, vpdpwssd on 256-bit registers): the
// same integer sums as the AVX2 build in fewer instructions (see gptq_kernels_impl.h).
#define LIEQ_X86_NS x86vnni
#include "kernels/cpu/x86/gptq_kernels_impl.h"
