#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

// One table describing every weight type the kernels know (ggml's type_traits, this project's
// way): the ggml block types a GGUF file may hold, and the GPTQ v1 column layout this project
// stores its own quantized checkpoints in (kernels/gptq_pack.h).
namespace lieq::kernels {

enum class QuantType : int {
    F32, F16, BF16,
    Q4_0, Q8_0, Q2_K, Q3_K, Q4_K, Q6_K,
    Q8_K,                               // activations of the K-quant dot products only
    Gptq2, Gptq3, Gptq4, Gptq8,         // GPTQ v1 qweight/qzeros/scales/g_idx, b bits
};

// Row functions of the ggml types (`n` values, a multiple of blockSize).
using ToFloatFn = void (*)(const void *blocks, float *out, std::int64_t n);
using FromFloatFn = void (*)(const float *in, void *blocks, std::int64_t n);
// Dot product of one weight row with one activation row of the type's vecDotType.
using VecDotFn = float (*)(std::int64_t n, const void *weights, const void *activations);

struct TypeTraits
{
    QuantType type;
    const char *name;       // "q4_K", "gptq4", ... (ggml's names for ggml types)
    int ggmlType;           // ggml_type / GGUF tensor type number; -1 for the GPTQ layouts
    int bits;               // bits of one code (F16: 16, F32: 32)
    int blockSize;          // values per block; GPTQ: 32 inputs of one output column
    int bytesPerBlock;      // GPTQ: the 4 * bits bytes of codes (scales and zeros apart)
    bool gptqColumns;       // GPTQ layout: words along the input dimension, one column per output
    ToFloatFn toFloat;      // null for GPTQ (a matrix-level layout: kernels/gptq_ref.h)
    FromFloatFn fromFloatRef;
    QuantType vecDotType;   // how activations are quantized for the dot product
    VecDotFn vecDotRef;     // scalar reference dot; null for F32/F16/Q8_K and GPTQ
};

const TypeTraits &typeTraits(QuantType type);
std::optional<QuantType> typeFromGgml(int ggmlType);
std::optional<QuantType> typeFromName(std::string_view name);
// The GPTQ type of `bits` in {2, 3, 4, 8}.
std::optional<QuantType> gptqType(int bits);

// Bytes of one row of `n` values of a ggml type (n a multiple of the block size).
std::int64_t rowBytes(QuantType type, std::int64_t n);

} // namespace lieq::kernels
