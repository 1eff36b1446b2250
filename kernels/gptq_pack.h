#pragma once

#include "kernels/fp16.h"

#include <cstdint>
#include <vector>

// The GPTQ v1 layout (AutoGPTQ / vLLM "gptq" checkpoints), this project's packed form of a
// weight matrix W [rows = out features, cols = in features] quantized to b in {2, 3, 4, 8} bits
// in groups of g input columns:
//
//   qweight I32 [ceil(cols / 32) * b, rows]  column n: the codes of output n as a little-endian
//                                            bit stream along the input dimension, b bits each
//                                            (3 bits: 32 codes in 3 words, codes 10 and 21
//                                            straddle two words, exactly AutoGPTQ's packing)
//   qzeros  I32 [groups, ceil(rows * b / 32)] zero points minus one, one bit stream per group
//   scales  F16 [groups, rows]
//   g_idx   I32 [cols]                        group of each input column
//
//   W[n][k] = scales[g][n] * (code(n, k) - zero(g, n)),  g = g_idx[k]
//
// Inputs are padded to a multiple of 32 with code 0. For shapes GPTQ itself accepts
// (cols % 32 == 0, rows * b % 32 == 0) this is its layout with no padding at all.
// A v1 zero field holds (zero - 1) mod 2^b; it is read back as (field + 1) mod 2^b, which is
// exact for every zero in [0, 2^b - 1]. (v1 readers such as AutoGPTQ and vLLM add 1 without
// the modulo, so a group whose zero is 0 -- all its weights >= 0 -- reads as 2^b there.)
namespace lieq::kernels {

struct GptqShape
{
    std::int64_t rows = 0;      // output features
    std::int64_t cols = 0;      // input features
    int bits = 4;
    std::int64_t groupSize = 0; // input columns per group (cols for one group per row)

    std::int64_t groups() const { return (cols + groupSize - 1) / groupSize; }
    std::int64_t paddedCols() const { return (cols + 31) / 32 * 32; }
    std::int64_t qweightRows() const { return paddedCols() / 32 * bits; }
    std::int64_t qzerosCols() const { return (rows * bits + 31) / 32; }
    std::int64_t qweightWords() const { return qweightRows() * rows; }
    std::int64_t qzerosWords() const { return groups() * qzerosCols(); }
};

// Codes [rows][cols] row-major (values < 2^bits) -> qweight.
void gptqPackWeights(const GptqShape &shape, const std::uint8_t *codes, std::int32_t *qweight);
// qweight -> codes [rows][cols].
void gptqUnpackWeights(const GptqShape &shape, const std::int32_t *qweight, std::uint8_t *codes);

// Zero points [rows][groups] (this project's order) -> qzeros [groups][...], stored minus one.
void gptqPackZeros(const GptqShape &shape, const std::uint8_t *zeros, std::int32_t *qzeros);
void gptqUnpackZeros(const GptqShape &shape, const std::int32_t *qzeros, std::uint8_t *zeros);

// The zero point of output n in group g, straight from qzeros.
int gptqZero(const GptqShape &shape, const std::int32_t *qzeros, std::int64_t g, std::int64_t n);
// The code of output n at input k, straight from qweight.
int gptqCode(const GptqShape &shape, const std::int32_t *qweight, std::int64_t n, std::int64_t k);

// Scales [rows][groups] fp32 -> F16 [groups][rows] (round to nearest even).
void gptqPackScales(const GptqShape &shape, const float *scales, fp16_t *out);

// Whether g_idx[k] == k / groupSize for every input (null g_idx: trivial by definition).
bool gptqGroupsTrivial(const GptqShape &shape, const std::int32_t *gIdx);

// Act-order support: the input order that makes each group's columns contiguous (columns
// sorted by g_idx, stable), or empty when g_idx is already trivial (g_idx[k] == k / groupSize).
std::vector<std::int32_t> gptqGroupOrder(const GptqShape &shape, const std::int32_t *gIdx);
// qweight with its inputs taken in `order` (inputs order[0], order[1], ...), into `out`.
void gptqPermuteInputs(const GptqShape &shape, const std::int32_t *qweight,
                       const std::vector<std::int32_t> &order, std::int32_t *out);

} // namespace lieq::kernels
