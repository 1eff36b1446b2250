// The three float weight types of the F32/F16/BF16 dot and GEMV kernels (float_dot_avx2.cpp,
// float_gemv_impl.h): one element as a float, an 8-lane sum, and the QuantType -> kernel instantiation switch.
// Internal linkage on purpose: the including files are compiled with different instruction sets
// (AVX2, AVX-512), and a shared inline copy could be taken from the wider build.
#pragma once

#include "kernels/fp16.h"
#include "kernels/type_traits.h"

#include <immintrin.h>

#include <cstdint>
#include <type_traits>

namespace lieq::kernels {
namespace {

enum class FloatKind { F32, F16, BF16 };

// Element i of a row of K weights, as a float.
template <FloatKind K>
inline float floatWeight(const void *w, std::int64_t i)
{
    if constexpr (K == FloatKind::F16)
        return fp16ToFp32(static_cast<const fp16_t *>(w)[i]);
    else if constexpr (K == FloatKind::BF16)
        return bf16ToFp32(static_cast<const std::uint16_t *>(w)[i]);
    else
        return static_cast<const float *>(w)[i];
}

// The sum of v's 8 lanes (the including files are built with AVX2 or wider).
inline float hsum(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// pick(std::integral_constant<FloatKind, K>) for the kind of `type`; null for any other type.
template <class Fn, class Pick>
Fn forFloatKind(QuantType type, Pick pick)
{
    switch (type) {
    case QuantType::F32: return pick(std::integral_constant<FloatKind, FloatKind::F32>{});
    case QuantType::F16: return pick(std::integral_constant<FloatKind, FloatKind::F16>{});
    case QuantType::BF16: return pick(std::integral_constant<FloatKind, FloatKind::BF16>{});
    default: return nullptr;
    }
}

} // namespace
} // namespace lieq::kernels
