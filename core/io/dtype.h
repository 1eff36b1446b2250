#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lieq {

// Element types found in checkpoints. Names follow safetensors ("F32", "BF16", ...).
enum class DType : std::uint8_t { F32, F16, BF16, F64, I8, U8, I16, I32, I64, Bool };

std::size_t dtypeSize(DType t);
std::string_view dtypeName(DType t);
std::optional<DType> dtypeFromName(std::string_view safetensorsName);
bool isFloating(DType t);

} // namespace lieq
