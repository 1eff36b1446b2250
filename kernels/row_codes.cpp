#include "kernels/row_codes.h"

#include <algorithm>

namespace lieq::kernels {

int rowCodesPerByte(int bits)
{
    return (bits == 2 || bits == 4 || bits == 8) ? 8 / bits : 1;
}

std::int64_t rowCodesBytes(std::int64_t cols, int bits)
{
    const int per = rowCodesPerByte(bits);
    return (cols + per - 1) / per;
}

void packRowCodes(const std::uint8_t *codes, std::int64_t rows, std::int64_t cols, int bits,
                  std::uint8_t *out)
{
    const int per = rowCodesPerByte(bits), width = per == 1 ? 8 : bits;
    const std::int64_t rowBytes = rowCodesBytes(cols, bits);
    std::fill(out, out + rows * rowBytes, std::uint8_t(0));
    for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t c = 0; c < cols; ++c)
            out[r * rowBytes + c / per] |= std::uint8_t(codes[r * cols + c] << ((c % per) * width));
}

void unpackRowCodes(const std::uint8_t *in, std::int64_t rows, std::int64_t cols, int bits,
                    std::uint8_t *codes)
{
    const int per = rowCodesPerByte(bits), width = per == 1 ? 8 : bits;
    const int mask = per == 1 ? 0xff : (1 << bits) - 1;
    const std::int64_t rowBytes = rowCodesBytes(cols, bits);
    for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t c = 0; c < cols; ++c)
            codes[r * cols + c] =
                std::uint8_t((in[r * rowBytes + c / per] >> ((c % per) * width)) & mask);
}

} // namespace lieq::kernels
