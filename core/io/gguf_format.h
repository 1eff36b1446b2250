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

// Tensor element types this project writes (ggml_type numbering; quantized types come later).
enum class GgmlType : std::uint32_t { F32 = 0, F16 = 1 };

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
