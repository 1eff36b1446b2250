// The F32/F16/BF16 GEMV in 512-bit registers (float_gemv_impl.h): the AVX2 build's bits.
#define LIEQ_X86_NS x86vnni
#include "kernels/cpu/x86/float_gemv_impl.h"
