#pragma once

#include <cstdint>

// The code packing of this project's quantized checkpoints before format version 2 (kept so
// that those folders still load): codes LSB-first along each row, rows padded to whole bytes,
// 2/4/8 bits packed, 3 bits one code per byte.
namespace lieq::kernels {

int rowCodesPerByte(int bits);
std::int64_t rowCodesBytes(std::int64_t cols, int bits); // bytes per row

void packRowCodes(const std::uint8_t *codes, std::int64_t rows, std::int64_t cols, int bits,
                  std::uint8_t *out);
void unpackRowCodes(const std::uint8_t *in, std::int64_t rows, std::int64_t cols, int bits,
                    std::uint8_t *codes);

} // namespace lieq::kernels
