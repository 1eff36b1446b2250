// The ggml block dots built with AVX512-VNNI/VL (ggml_dot_impl.h): the AVX2 build's results in
// fewer instructions.
#define LIEQ_X86_NS x86vnni
#include "kernels/cpu/x86/ggml_dot_impl.h"
