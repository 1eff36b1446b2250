#pragma once

#include "core/io/dtype.h"

#include <cstddef>
#include <cstdint>

namespace lieq {

// IEEE binary16 and bfloat16 <-> float, round-to-nearest-even, NaN and Inf preserved.
float halfToFloat(std::uint16_t h);
std::uint16_t floatToHalf(float f);
float bf16ToFloat(std::uint16_t b);
std::uint16_t floatToBf16(float f);

// Converts `count` elements of a floating checkpoint dtype (F32, F16, BF16, F64) to float.
// `src` may be unaligned (safetensors headers are not always padded). Throws lieq::Error for
// non-floating dtypes.
void convertToFloat(DType type, const void *src, float *dst, std::size_t count);

} // namespace lieq
