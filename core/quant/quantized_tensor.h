#pragma once

#include "kernels/gptq_ref.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace lieq {

struct QuantConfig;

// A weight matrix [rows = out features, cols = in features] quantized to a b-bit integer grid,
// in the layout the packed kernels and the GPTQ/GGUF exporters consume:
//
//   W[r][c] = scales[r * numGroups + g] * (codes[r * cols + c] - zeros[r * numGroups + g]),
//   g = gIdx[c]
//
// Codes stay in the original column order even after act-order; gIdx says which group each
// column belongs to (GPTQ's g_idx), and perm records the order GPTQ processed the columns in
// (perm[k] = original column quantized k-th; empty when columns were taken in order), which
// kernels may use to make groups contiguous again. Codes are one uint8 per weight here; the
// runtime and the checkpoints hold the packed form below (PackedWeight).
struct QuantizedTensor
{
    std::int64_t rows = 0;
    std::int64_t cols = 0;
    int bits = 4;
    int groupSize = 128;    // as configured; -1 = one group per row (per channel)
    bool symmetric = false;
    std::int64_t numGroups = 0;

    std::vector<std::uint8_t> codes;  // rows * cols, row-major, values in [0, maxq]
    std::vector<float> scales;        // rows * numGroups, [row][group]
    std::vector<std::uint8_t> zeros;  // rows * numGroups, [row][group], integers in [0, maxq]
    std::vector<std::int32_t> gIdx;   // cols
    std::vector<std::int32_t> perm;   // cols or empty

    int maxq() const { return (1 << bits) - 1; }
    float scale(std::int64_t row, std::int64_t group) const { return scales[row * numGroups + group]; }
    int zero(std::int64_t row, std::int64_t group) const { return zeros[row * numGroups + group]; }
    // True when gIdx[c] == c / groupSize for every column, i.e. no g_idx needs storing.
    bool hasTrivialGroups() const;
};

// A rows x cols tensor laid out as `config` says (bits, group size, symmetry, numGroups), its
// codes, scales, zeros and gIdx sized and zero, perm empty: what a quantizer or a reader fills.
QuantizedTensor allocateQuantizedTensor(std::int64_t rows, std::int64_t cols,
                                        const QuantConfig &config);

// Exact reconstruction W = scale * (code - zero), row-major rows * cols.
std::vector<float> dequantize(const QuantizedTensor &q);
void dequantizeInto(const QuantizedTensor &q, float *out); // out holds rows * cols floats

// Checks sizes, bits, code/zero ranges, gIdx bounds and perm being a permutation; throws
// lieq::Error describing the first problem (exporters call this before writing a file).
void validateQuantizedTensor(const QuantizedTensor &q);

// Storage cost in bits per weight of the exported form: packed codes, one fp16 scale and one
// packed b-bit zero per group, plus a 32-bit g_idx per column when groups are not trivial.
double effectiveBitsPerWeight(int bits, int groupSize, std::int64_t rows, std::int64_t cols,
                              bool storesGIdx = false);
double effectiveBitsPerWeight(const QuantizedTensor &q);

// A quantized matrix in the GPTQ v1 layout the kernels run on (kernels/gptq_pack.h): codes
// packed along the input dimension, fp16 scales, zero points stored minus one, g_idx. The
// arrays belong either to this object (packQuantizedTensor) or to `keeper` (e.g. a mapped
// checkpoint: zero copy). Copies share the arrays.
struct PackedWeight
{
    kernels::GptqShape shape;     // groupSize: columns per group (cols for per-channel)
    int configuredGroupSize = 128; // as configured (-1 = per channel), for names and configs
    bool symmetric = false;
    const std::int32_t *qweight = nullptr;
    const std::int32_t *qzeros = nullptr;
    const kernels::fp16_t *scales = nullptr;
    const std::int32_t *gIdx = nullptr; // null: trivial groups (column / groupSize)
    std::shared_ptr<const void> keeper;

    kernels::GptqMatrix matrix() const { return {shape, qweight, qzeros, scales, gIdx}; }
    bool actOrder() const { return !kernels::gptqGroupsTrivial(shape, gIdx); }
    // Bytes of the packed arrays (qweight, qzeros, scales, and g_idx when not trivial).
    std::int64_t bytes() const;
};

// Packs (validates first; scales are rounded to fp16). The codes are not referenced afterwards.
PackedWeight packQuantizedTensor(const QuantizedTensor &q);
// The codes, zeros, scales (fp16 values as float) and g_idx back; perm is left empty.
QuantizedTensor unpackQuantizedTensor(const PackedWeight &p);

} // namespace lieq
