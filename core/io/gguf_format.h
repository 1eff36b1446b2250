#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace lieq {

// GGUF v3 constants (ggml's gguf.h): little-endian, strings are u64 length + bytes.
constexpr std::uint32_t kGgufMagic = 0x46554747; // "GGUF"
constexpr std::uint32_t kGgufVersion = 3;
constexpr std::uint32_t kGgufAlignment = 32;

enum class GgufValueType : std::uint32_t {
    U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, Bool = 7,
    String = 8, Array = 9, U64 = 10, I64 = 11, F64 = 12,
};

// Tensor element types this project writes (ggml_type numbering). The block types' layouts,
// quantizers and sizes are kernels/ (kernels::typeFromGgml).
enum class GgmlType : std::uint32_t {
    F32 = 0, F16 = 1, Q4_0 = 2, Q8_0 = 8, Q2_K = 10, Q3_K = 11, Q4_K = 12, Q6_K = 14,
};

// llama.cpp's llama_ftype values for general.file_type, and GGML_QNT_VERSION.
enum class GgufFileType : std::uint32_t {
    AllF32 = 0, MostlyF16 = 1, MostlyQ4_0 = 2, MostlyQ8_0 = 7, MostlyQ2_K = 10, MostlyQ3_K_M = 12,
    MostlyQ4_K_M = 15, MostlyQ6_K = 18,
};
constexpr std::uint32_t kGgmlQuantizationVersion = 2;

// One metadata value. Integers of every width are held as int64/uint64; `type` keeps the
// on-disk type so a round trip is exact. Arrays hold one element type (`arrayType`).
struct GgufValue
{
    GgufValueType type = GgufValueType::U32;
    GgufValueType arrayType = GgufValueType::U32;
    std::variant<std::uint64_t, std::int64_t, double, bool, std::string> scalar;
    std::vector<std::string> strings;  // String arrays
    std::vector<double> numbers;       // numeric and bool arrays, converted

    std::uint64_t asUInt() const;      // throws lieq::Error when not an integer
    std::int64_t asInt() const;
    double asDouble() const;
    bool asBool() const;
    const std::string &asString() const;
};

} // namespace lieq
