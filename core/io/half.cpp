#include "core/io/half.h"

#include "core/util/error.h"

#include <bit>
#include <cstring>
#include <string>

namespace lieq {

float halfToFloat(std::uint16_t h)
{
    const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
    const std::uint32_t exp = (h >> 10) & 0x1fu;
    std::uint32_t mant = h & 0x3ffu;
    std::uint32_t bits;
    if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (mant << 13); // Inf / NaN
    } else if (exp != 0) {
        bits = sign | ((exp + 112) << 23) | (mant << 13);
    } else if (mant == 0) {
        bits = sign;
    } else {
        // Subnormal half: normalise into a float exponent.
        int e = -1;
        do {
            ++e;
            mant <<= 1;
        } while ((mant & 0x400u) == 0);
        bits = sign | (static_cast<std::uint32_t>(112 - e) << 23) | ((mant & 0x3ffu) << 13);
    }
    return std::bit_cast<float>(bits);
}

std::uint16_t floatToHalf(float f)
{
    const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
    const std::uint16_t sign = static_cast<std::uint16_t>((x >> 16) & 0x8000u);
    const std::uint32_t absx = x & 0x7fffffffu;
    if (absx >= 0x7f800000u) // Inf or NaN (keep a quiet NaN bit)
        return sign | 0x7c00u | (absx > 0x7f800000u ? 0x200u | ((absx >> 13) & 0x3ffu) : 0u);
    if (absx >= 0x477ff000u) // rounds to >= 65520: overflow to Inf
        return sign | 0x7c00u;
    if (absx < 0x33000001u) // below half the smallest subnormal: signed zero
        return sign;
    const std::uint32_t exp = absx >> 23;
    if (exp < 113) {
        // Subnormal result: shift the mantissa (with implicit 1) and round to nearest even.
        const std::uint32_t mant = (absx & 0x7fffffu) | 0x800000u;
        const std::uint32_t shift = 126 - exp; // 14..24
        std::uint32_t r = mant >> shift;
        const std::uint32_t rem = mant & ((1u << shift) - 1);
        const std::uint32_t halfway = 1u << (shift - 1);
        if (rem > halfway || (rem == halfway && (r & 1u)))
            ++r;
        return sign | static_cast<std::uint16_t>(r);
    }
    std::uint32_t r = ((exp - 112) << 10) | ((absx >> 13) & 0x3ffu);
    const std::uint32_t rem = absx & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (r & 1u)))
        ++r; // may carry into the exponent, which is the correct rounding
    return sign | static_cast<std::uint16_t>(r);
}

float bf16ToFloat(std::uint16_t b) { return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16); }

std::uint16_t floatToBf16(float f)
{
    const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
    if ((x & 0x7fffffffu) > 0x7f800000u)
        return static_cast<std::uint16_t>((x >> 16) | 0x40u); // quiet NaN
    const std::uint32_t rounding = 0x7fffu + ((x >> 16) & 1u);
    return static_cast<std::uint16_t>((x + rounding) >> 16);
}

namespace {
// dst[i] = toFloat(element i), elements of type Stored read unaligned from `p`.
template <typename Stored, typename ToFloat>
void convertEach(const unsigned char *p, float *dst, std::size_t count, ToFloat toFloat)
{
    for (std::size_t i = 0; i < count; ++i) {
        Stored v;
        std::memcpy(&v, p + sizeof(Stored) * i, sizeof(Stored));
        dst[i] = toFloat(v);
    }
}
} // namespace

void convertToFloat(DType type, const void *src, float *dst, std::size_t count)
{
    if (count == 0) // an empty tensor may have no data pointer; memcpy must not see null
        return;
    const auto *p = static_cast<const unsigned char *>(src);
    switch (type) {
    case DType::F32:
        std::memcpy(dst, p, count * 4);
        return;
    case DType::F16:
        return convertEach<std::uint16_t>(p, dst, count, halfToFloat);
    case DType::BF16:
        return convertEach<std::uint16_t>(p, dst, count, bf16ToFloat);
    case DType::F64:
        return convertEach<double>(p, dst, count, [](double d) { return static_cast<float>(d); });
    default:
        throw Error(std::string("cannot convert ") + std::string(dtypeName(type)) + " to float");
    }
}

} // namespace lieq
