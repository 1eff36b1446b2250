#pragma once

#include <cstdint>
#include <cstring>

// IEEE binary16 (and bfloat16) <-> float for the block formats. Round-to-nearest-even, subnormals kept,
// overflow to infinity and every NaN to the quiet NaN 0x7e00, so that the scales a reference
// quantizer stores are the same bits as ggml's GGML_FP32_TO_FP16.
namespace lieq::kernels {

using fp16_t = std::uint16_t;

inline float fp16ToFp32(fp16_t h)
{
    const std::uint32_t sign = std::uint32_t(h & 0x8000u) << 16;
    const std::uint32_t exp = (h >> 10) & 0x1fu;
    std::uint32_t mant = h & 0x3ffu;
    std::uint32_t bits;
    if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (mant << 13);
    } else if (exp != 0) {
        bits = sign | ((exp + 112u) << 23) | (mant << 13);
    } else if (mant == 0) {
        bits = sign;
    } else {
        // Subnormal half: normalise the mantissa into a float exponent.
        int e = -1;
        do {
            ++e;
            mant <<= 1;
        } while ((mant & 0x400u) == 0);
        bits = sign | (std::uint32_t(112 - e) << 23) | ((mant & 0x3ffu) << 13);
    }
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

inline fp16_t fp32ToFp16(float f)
{
    std::uint32_t x;
    std::memcpy(&x, &f, sizeof x);
    const std::uint32_t sign = (x >> 16) & 0x8000u;
    const std::uint32_t absx = x & 0x7fffffffu;
    if (absx > 0x7f800000u)
        return fp16_t(sign | 0x7e00u); // NaN
    if (absx >= 0x477ff000u)          // rounds to 65520 or more: infinity
        return fp16_t(sign | 0x7c00u);
    if (absx < 0x38800000u) {
        // Half subnormal (or zero): the value in units of 2^-24, rounded to nearest even.
        if (absx < 0x33000000u)       // below half the smallest subnormal: zero
            return fp16_t(sign);
        const std::uint32_t mant = (absx & 0x7fffffu) | 0x800000u;
        const int shift = 126 - int(absx >> 23); // 14..24
        std::uint32_t v = mant >> shift;
        const std::uint32_t rem = mant & ((1u << shift) - 1u);
        const std::uint32_t half = 1u << (shift - 1);
        if (rem > half || (rem == half && (v & 1u)))
            ++v;
        return fp16_t(sign | v);
    }
    // Normal: rebias the exponent, round the 13 dropped mantissa bits to nearest even (a carry
    // into the exponent is the correct result).
    std::uint32_t v = (absx - 0x38000000u) >> 13;
    const std::uint32_t rem = absx & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (v & 1u)))
        ++v;
    return fp16_t(sign | v);
}

// bfloat16: the top half of a float. Rounding to nearest even; NaN stays a (quiet) NaN.
inline float bf16ToFp32(std::uint16_t h)
{
    const std::uint32_t bits = std::uint32_t(h) << 16;
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

inline std::uint16_t fp32ToBf16(float f)
{
    std::uint32_t x;
    std::memcpy(&x, &f, sizeof x);
    if ((x & 0x7fffffffu) > 0x7f800000u)
        return std::uint16_t((x >> 16) | 64u);
    return std::uint16_t((x + (0x7fffu + ((x >> 16) & 1u))) >> 16);
}

} // namespace lieq::kernels
