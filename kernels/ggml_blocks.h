#pragma once

#include "kernels/fp16.h"

#include <cstdint>

// ggml's block layouts, byte for byte (ggml-common.h at llama.cpp's release that npm
// node-llama-cpp 3.22.1 ships): a GGUF tensor of these types is an array of these structs,
// row after row, and tests/kernels compares them with libggml-base's own output.
namespace lieq::kernels {

inline constexpr int kQK4_0 = 32;
inline constexpr int kQK8_0 = 32;
inline constexpr int kQKK = 256;       // super-block of the K-quants
inline constexpr int kKScaleSize = 12; // 6-bit scales and mins of Q4_K

// x = d * (q - 8), q 4 bits: value j in the low nibble of qs[j], value j + 16 in its high one.
struct BlockQ4_0
{
    fp16_t d;
    std::uint8_t qs[kQK4_0 / 2];
};
static_assert(sizeof(BlockQ4_0) == 18, "Q4_0 block is 18 bytes");

// x = d * q, q int8.
struct BlockQ8_0
{
    fp16_t d;
    std::int8_t qs[kQK8_0];
};
static_assert(sizeof(BlockQ8_0) == 34, "Q8_0 block is 34 bytes");

// 16 sub-blocks of 16: x = d * sc * q - dmin * m, with 4-bit sc (low nibble of scales[j]) and
// m (high nibble); q 2 bits, four values per byte of qs.
struct BlockQ2K
{
    std::uint8_t scales[kQKK / 16];
    std::uint8_t qs[kQKK / 4];
    fp16_t d;
    fp16_t dmin;
};
static_assert(sizeof(BlockQ2K) == 84, "Q2_K block is 84 bytes");

// 16 sub-blocks of 16: x = d * (sc - 32) * (q - 4), sc 6 bits packed into 12 bytes, q 3 bits:
// the low two in qs, the third in hmask (set = no offset of -4).
struct BlockQ3K
{
    std::uint8_t hmask[kQKK / 8];
    std::uint8_t qs[kQKK / 4];
    std::uint8_t scales[12];
    fp16_t d;
};
static_assert(sizeof(BlockQ3K) == 110, "Q3_K block is 110 bytes");

// 8 sub-blocks of 32: x = d * sc * q - dmin * m, sc and m 6 bits in `scales`, q 4 bits.
struct BlockQ4K
{
    fp16_t d;
    fp16_t dmin;
    std::uint8_t scales[kKScaleSize];
    std::uint8_t qs[kQKK / 2];
};
static_assert(sizeof(BlockQ4K) == 144, "Q4_K block is 144 bytes");

// 16 sub-blocks of 16: x = d * sc * (q - 32), sc int8, q 6 bits (low 4 in ql, high 2 in qh).
struct BlockQ6K
{
    std::uint8_t ql[kQKK / 2];
    std::uint8_t qh[kQKK / 4];
    std::int8_t scales[kQKK / 16];
    fp16_t d;
};
static_assert(sizeof(BlockQ6K) == 210, "Q6_K block is 210 bytes");

// Activations for the K-quant dot products: x = d * q, q int8, with the sums of each 16.
struct BlockQ8K
{
    float d;
    std::int8_t qs[kQKK];
    std::int16_t bsums[kQKK / 16];
};
static_assert(sizeof(BlockQ8K) == 292, "Q8_K block is 292 bytes");

} // namespace lieq::kernels
