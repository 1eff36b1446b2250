// The AVX2 build of the ggml block dots (ggml_dot_impl.h).
#define LIEQ_X86_NS x86
#include "kernels/cpu/x86/ggml_dot_impl.h"
