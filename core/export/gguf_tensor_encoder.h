#pragma once

#include "core/io/gguf_format.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace lieq {

// The GGUF type of a decoder linear at `bits` (2 -> Q2_K, 3 -> Q3_K, 4 -> Q4_K, 8 -> Q8_0,
// 16 -> F16) for rows of `cols` values, with llama.cpp's fallbacks when cols is not a multiple
// of 256 (K-quants -> Q4_0, Q6_K -> Q8_0) and F16 when not even of 32. `note` says why a
// fallback was taken.
GgmlType ggufTypeForBits(int bits, std::int64_t cols, std::string *note = nullptr);
// The same fallbacks for a requested type (embeddings, output).
GgmlType ggufTypeForRows(GgmlType wanted, std::int64_t cols, std::string *note = nullptr);
// "q6_k", "Q6_K", "f16", ... -> type; throws lieq::Error listing the choices.
GgmlType ggufTypeFromName(const std::string &name);

// How one tensor's GGUF bytes relate to the weights they came from.
struct EncodedTensorStats
{
    std::string how;     // "requantized" (ggml's search on the run's dequantized weights),
                         // "quantized" (ggml's search on float weights), "converted" (F16/F32)
    double nmse = 0;     // sum (gguf - source)^2 / sum source^2
    double maxAbs = 0;   // largest |gguf - source|
    bool exact = false;  // every GGUF value equals its source value
};

struct QuantizedTensor;

// Carries a run's codes into Q8_0 or Q4_0 blocks unchanged: both hold scale * (code - zero)
// exactly when every 32-value block lies inside one group (trivial g_idx), the group's scale is
// an fp16 value (this project's checkpoints store fp16 scales) and code - zero fits the block's
// integers (Q8_0: -128..127; Q4_0: -8..7, always true for 2- and 3-bit codes). Returns false,
// writing nothing usable, when any block does not qualify; the caller then re-quantizes.
bool carryRows(GgmlType type, const QuantizedTensor &q, std::byte *dst);

// Encodes `rows` rows of `cols` floats as `type` into `dst` (ggmlTensorBytes bytes) with
// kernels' reference quantizers (byte-identical to llama.cpp's quantize_row_*_ref), decodes
// them again and measures the difference to the source.
EncodedTensorStats encodeRows(GgmlType type, const float *src, std::int64_t rows, std::int64_t cols,
                              std::byte *dst);

} // namespace lieq
