#include "kernels/type_traits.h"

#include "kernels/fp16.h"
#include "kernels/ggml_quants.h"
#include "kernels/vec_dot.h"

#include <array>
#include <cstring>

namespace lieq::kernels {

namespace {

// Adapters from the typed row functions to the table's untyped signatures.
template <typename Block, void (*Fn)(const Block *, float *, std::int64_t)>
void toFloat(const void *blocks, float *out, std::int64_t n)
{
    Fn(static_cast<const Block *>(blocks), out, n);
}

template <typename Block, void (*Fn)(const float *, Block *, std::int64_t)>
void fromFloat(const float *in, void *blocks, std::int64_t n)
{
    Fn(in, static_cast<Block *>(blocks), n);
}

template <typename W, typename X, float (*Fn)(std::int64_t, const W *, const X *)>
float vecDot(std::int64_t n, const void *w, const void *x)
{
    return Fn(n, static_cast<const W *>(w), static_cast<const X *>(x));
}

void f32ToFloat(const void *in, float *out, std::int64_t n)
{
    std::memcpy(out, in, std::size_t(n) * sizeof(float));
}

void f32FromFloat(const float *in, void *out, std::int64_t n)
{
    std::memcpy(out, in, std::size_t(n) * sizeof(float));
}

void f16ToFloat(const void *in, float *out, std::int64_t n)
{
    const auto *h = static_cast<const fp16_t *>(in);
    for (std::int64_t i = 0; i < n; ++i)
        out[i] = fp16ToFp32(h[i]);
}

void f16FromFloat(const float *in, void *out, std::int64_t n)
{
    auto *h = static_cast<fp16_t *>(out);
    for (std::int64_t i = 0; i < n; ++i)
        h[i] = fp32ToFp16(in[i]);
}

void bf16ToFloat(const void *in, float *out, std::int64_t n)
{
    const auto *h = static_cast<const std::uint16_t *>(in);
    for (std::int64_t i = 0; i < n; ++i)
        out[i] = bf16ToFp32(h[i]);
}

void bf16FromFloat(const float *in, void *out, std::int64_t n)
{
    auto *h = static_cast<std::uint16_t *>(out);
    for (std::int64_t i = 0; i < n; ++i)
        h[i] = fp32ToBf16(in[i]);
}

using T = QuantType;

constexpr std::array<TypeTraits, 14> kTraits{{
    {T::F32, "f32", 0, 32, 1, 4, false, f32ToFloat, f32FromFloat, T::F32, nullptr},
    {T::F16, "f16", 1, 16, 1, 2, false, f16ToFloat, f16FromFloat, T::F16, nullptr},
    {T::BF16, "bf16", 30, 16, 1, 2, false, bf16ToFloat, bf16FromFloat, T::BF16, nullptr},
    {T::Q4_0, "q4_0", 2, 4, kQK4_0, sizeof(BlockQ4_0), false,
     toFloat<BlockQ4_0, dequantizeRowQ4_0>, fromFloat<BlockQ4_0, quantizeRowQ4_0Ref>, T::Q8_0,
     vecDot<BlockQ4_0, BlockQ8_0, vecDotQ4_0Q8_0Ref>},
    {T::Q8_0, "q8_0", 8, 8, kQK8_0, sizeof(BlockQ8_0), false,
     toFloat<BlockQ8_0, dequantizeRowQ8_0>, fromFloat<BlockQ8_0, quantizeRowQ8_0Ref>, T::Q8_0,
     vecDot<BlockQ8_0, BlockQ8_0, vecDotQ8_0Q8_0Ref>},
    {T::Q2_K, "q2_K", 10, 2, kQKK, sizeof(BlockQ2K), false,
     toFloat<BlockQ2K, dequantizeRowQ2K>, fromFloat<BlockQ2K, quantizeRowQ2KRef>, T::Q8_K,
     vecDot<BlockQ2K, BlockQ8K, vecDotQ2KQ8KRef>},
    {T::Q3_K, "q3_K", 11, 3, kQKK, sizeof(BlockQ3K), false,
     toFloat<BlockQ3K, dequantizeRowQ3K>, fromFloat<BlockQ3K, quantizeRowQ3KRef>, T::Q8_K,
     vecDot<BlockQ3K, BlockQ8K, vecDotQ3KQ8KRef>},
    {T::Q4_K, "q4_K", 12, 4, kQKK, sizeof(BlockQ4K), false,
     toFloat<BlockQ4K, dequantizeRowQ4K>, fromFloat<BlockQ4K, quantizeRowQ4KRef>, T::Q8_K,
     vecDot<BlockQ4K, BlockQ8K, vecDotQ4KQ8KRef>},
    {T::Q6_K, "q6_K", 14, 6, kQKK, sizeof(BlockQ6K), false,
     toFloat<BlockQ6K, dequantizeRowQ6K>, fromFloat<BlockQ6K, quantizeRowQ6KRef>, T::Q8_K,
     vecDot<BlockQ6K, BlockQ8K, vecDotQ6KQ8KRef>},
    {T::Q8_K, "q8_K", 15, 8, kQKK, sizeof(BlockQ8K), false,
     toFloat<BlockQ8K, dequantizeRowQ8K>, fromFloat<BlockQ8K, quantizeRowQ8KRef>, T::Q8_K,
     nullptr},
    {T::Gptq2, "gptq2", -1, 2, 32, 8, true, nullptr, nullptr, T::Gptq2, nullptr},
    {T::Gptq3, "gptq3", -1, 3, 32, 12, true, nullptr, nullptr, T::Gptq3, nullptr},
    {T::Gptq4, "gptq4", -1, 4, 32, 16, true, nullptr, nullptr, T::Gptq4, nullptr},
    {T::Gptq8, "gptq8", -1, 8, 32, 32, true, nullptr, nullptr, T::Gptq8, nullptr},
}};

constexpr bool tableInEnumOrder()
{
    for (std::size_t i = 0; i < kTraits.size(); ++i)
        if (static_cast<std::size_t>(kTraits[i].type) != i)
            return false;
    return true;
}
static_assert(tableInEnumOrder(), "kTraits must list the types in QuantType order");

} // namespace

const TypeTraits &typeTraits(QuantType type)
{
    return kTraits[static_cast<std::size_t>(type)];
}

std::optional<QuantType> typeFromGgml(int ggmlType)
{
    for (const TypeTraits &t : kTraits)
        if (t.ggmlType == ggmlType && t.ggmlType >= 0)
            return t.type;
    return std::nullopt;
}

std::optional<QuantType> typeFromName(std::string_view name)
{
    for (const TypeTraits &t : kTraits)
        if (name == t.name)
            return t.type;
    return std::nullopt;
}

std::optional<QuantType> gptqType(int bits)
{
    switch (bits) {
    case 2: return T::Gptq2;
    case 3: return T::Gptq3;
    case 4: return T::Gptq4;
    case 8: return T::Gptq8;
    default: return std::nullopt;
    }
}

std::int64_t rowBytes(QuantType type, std::int64_t n)
{
    const TypeTraits &t = typeTraits(type);
    return n / t.blockSize * t.bytesPerBlock;
}

} // namespace lieq::kernels
