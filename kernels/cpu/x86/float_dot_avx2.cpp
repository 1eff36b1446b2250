#include "kernels/cpu/x86/float_dot_avx2.h"

#include "kernels/cpu/x86/float_kind.h"

#include <immintrin.h>

namespace lieq::kernels::x86 {

namespace {

using Kind = FloatKind;

template <Kind K>
float dot(std::int64_t n, const void *wv, const void *xv)
{
    const auto *x = static_cast<const float *>(xv);
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    auto load = [wv](std::int64_t i) {
        if constexpr (K == Kind::F16) {
            return _mm256_cvtph_ps(_mm_loadu_si128(
                reinterpret_cast<const __m128i *>(static_cast<const fp16_t *>(wv) + i)));
        } else if constexpr (K == Kind::BF16) {
            const __m128i h = _mm_loadu_si128(
                reinterpret_cast<const __m128i *>(static_cast<const std::uint16_t *>(wv) + i));
            return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
        } else {
            return _mm256_loadu_ps(static_cast<const float *>(wv) + i);
        }
    };
    std::int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = _mm256_fmadd_ps(load(i), _mm256_loadu_ps(x + i), a0);
        a1 = _mm256_fmadd_ps(load(i + 8), _mm256_loadu_ps(x + i + 8), a1);
    }
    for (; i + 8 <= n; i += 8)
        a0 = _mm256_fmadd_ps(load(i), _mm256_loadu_ps(x + i), a0);
    float s = hsum(_mm256_add_ps(a0, a1));
    for (; i < n; ++i)
        s += floatWeight<K>(wv, i) * x[i];
    return s;
}

} // namespace

VecDotFn floatVecDotAvx2(QuantType type)
{
    return forFloatKind<VecDotFn>(type, [](auto kind) -> VecDotFn { return dot<kind.value>; });
}

} // namespace lieq::kernels::x86
