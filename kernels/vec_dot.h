#pragma once

#include "kernels/ggml_blocks.h"

#include <cstdint>

// Scalar reference dot products of one quantized weight row with one quantized activation row
// (ggml's generic vec_dot_*): integer sums per sub-block, scaled in float. The SIMD kernels are
// tested against these. `n` values, a multiple of the block size.
namespace lieq::kernels {

float vecDotQ4_0Q8_0Ref(std::int64_t n, const BlockQ4_0 *w, const BlockQ8_0 *x);
float vecDotQ8_0Q8_0Ref(std::int64_t n, const BlockQ8_0 *w, const BlockQ8_0 *x);
float vecDotQ2KQ8KRef(std::int64_t n, const BlockQ2K *w, const BlockQ8K *x);
float vecDotQ3KQ8KRef(std::int64_t n, const BlockQ3K *w, const BlockQ8K *x);
float vecDotQ4KQ8KRef(std::int64_t n, const BlockQ4K *w, const BlockQ8K *x);
float vecDotQ6KQ8KRef(std::int64_t n, const BlockQ6K *w, const BlockQ8K *x);

} // namespace lieq::kernels
