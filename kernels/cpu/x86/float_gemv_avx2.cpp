// The AVX2 build of the F32/F16/BF16 GEMV (float_gemv_impl.h), and the BF16 activation order.
#define LIEQ_X86_NS x86
#include "kernels/cpu/x86/float_gemv_impl.h"

namespace lieq::kernels::x86 {

void prepareBf16Activations(const float *x, std::int64_t n, float *out)
{
    const std::int64_t whole = n / 32 * 32;
    for (std::int64_t c = 0; c < whole; c += 32)
        for (std::int64_t l = 0; l < 16; ++l) {
            out[c + l] = x[c + 2 * l];
            out[c + 16 + l] = x[c + 2 * l + 1];
        }
    for (std::int64_t i = whole; i < n; ++i)
        out[i] = x[i];
}

} // namespace lieq::kernels::x86
