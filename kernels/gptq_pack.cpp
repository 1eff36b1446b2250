#include "kernels/gptq_pack.h"

#include <algorithm>
#include <cstring>
#include <numeric>

namespace lieq::kernels {

namespace {

// Little-endian bit stream of b-bit fields into 32-bit words.
class BitWriter
{
public:
    BitWriter(int bits) : m_bits(bits) {}
    // Appends `value`; returns true (and the finished word in *word) when a word fills up.
    bool put(std::uint32_t value, std::uint32_t *word)
    {
        m_acc |= std::uint64_t(value) << m_used;
        m_used += m_bits;
        if (m_used < 32)
            return false;
        *word = std::uint32_t(m_acc);
        m_acc >>= 32;
        m_used -= 32;
        return true;
    }
    // The partly filled last word, if any.
    bool flush(std::uint32_t *word)
    {
        if (m_used == 0)
            return false;
        *word = std::uint32_t(m_acc);
        m_acc = 0;
        m_used = 0;
        return true;
    }

private:
    int m_bits;
    std::uint64_t m_acc = 0;
    int m_used = 0;
};

// The b-bit field at bit position p of a stream whose word i is words[i * stride].
std::uint32_t readField(const std::int32_t *words, std::int64_t stride, std::int64_t p, int bits)
{
    const std::int64_t w = p / 32;
    const int offset = int(p % 32);
    std::uint64_t v = std::uint32_t(words[w * stride]);
    if (offset + bits > 32)
        v |= std::uint64_t(std::uint32_t(words[(w + 1) * stride])) << 32;
    return std::uint32_t(v >> offset) & ((1u << bits) - 1u);
}

// Eight codes below 2^bits (bits 2 or 4), one per byte, packed into their 8 * bits bits in
// order: neighbouring fields are folded together by shifts, doubling the field width each time.
std::uint32_t packEight(const std::uint8_t *src, int bits)
{
    std::uint64_t v;
    std::memcpy(&v, src, 8);
    if (bits == 4) {
        v &= 0x0f0f0f0f0f0f0f0full;
        v = (v | (v >> 4)) & 0x00ff00ff00ff00ffull;
        v = (v | (v >> 8)) & 0x0000ffff0000ffffull;
        return std::uint32_t(v | (v >> 16));
    }
    v &= 0x0303030303030303ull;
    v = (v | (v >> 6)) & 0x000f000f000f000full;
    v = (v | (v >> 12)) & 0x000000ff000000ffull;
    return std::uint32_t((v | (v >> 24)) & 0xffffu);
}

// A whole unit of 32 codes at 2, 4 or 8 bits (no field crosses a word): its `bits` words.
void packWholeUnit(const std::uint8_t *src, int bits, std::int32_t *dst, std::int64_t stride)
{
    for (int w = 0; w < bits; ++w) {
        std::uint32_t word;
        if (bits == 8)
            std::memcpy(&word, src + 4 * w, 4);
        else if (bits == 4)
            word = packEight(src + 8 * w, 4);
        else
            word = packEight(src + 16 * w, 2) | (packEight(src + 16 * w + 8, 2) << 16);
        dst[w * stride] = std::int32_t(word);
    }
}

} // namespace

void gptqPackWeights(const GptqShape &shape, const std::uint8_t *codes, std::int32_t *qweight)
{
    const std::int64_t units = shape.paddedCols() / 32, rows = shape.rows;
    // Whole units at 2, 4 or 8 bits: what the bit-writer below gives, without its per-code
    // steps; 16 rows at a time, so that each word row is written a whole cache line at a time
    // while those rows' codes are read in order.
    const std::int64_t wholeUnits = shape.bits == 3 ? 0 : shape.cols / 32;
    for (std::int64_t r0 = 0; wholeUnits > 0 && r0 < rows; r0 += 16)
        for (std::int64_t u = 0; u < wholeUnits; ++u)
            for (std::int64_t r = r0; r < std::min(rows, r0 + 16); ++r)
                packWholeUnit(codes + r * shape.cols + 32 * u, shape.bits,
                              qweight + u * shape.bits * rows + r, rows);
    for (std::int64_t u = wholeUnits; u < units; ++u) {
        const std::int64_t k0 = 32 * u;
        const std::int64_t n = std::min<std::int64_t>(32, shape.cols - k0);
        std::int32_t *dst = qweight + u * shape.bits * rows;
        for (std::int64_t r = 0; r < rows; ++r) {
            const std::uint8_t *src = codes + r * shape.cols + k0;
            BitWriter writer(shape.bits);
            std::uint32_t word;
            int w = 0;
            for (int j = 0; j < 32; ++j)
                if (writer.put(j < n ? src[j] : 0u, &word))
                    dst[(w++) * rows + r] = std::int32_t(word);
        }
    }
}

void gptqUnpackWeights(const GptqShape &shape, const std::int32_t *qweight, std::uint8_t *codes)
{
    for (std::int64_t r = 0; r < shape.rows; ++r)
        for (std::int64_t k = 0; k < shape.cols; ++k)
            codes[r * shape.cols + k] =
                std::uint8_t(readField(qweight + r, shape.rows, k * shape.bits, shape.bits));
}

int gptqCode(const GptqShape &shape, const std::int32_t *qweight, std::int64_t n, std::int64_t k)
{
    return int(readField(qweight + n, shape.rows, k * shape.bits, shape.bits));
}

void gptqPackZeros(const GptqShape &shape, const std::uint8_t *zeros, std::int32_t *qzeros)
{
    const std::uint32_t mask = (1u << shape.bits) - 1u;
    const std::int64_t groups = shape.groups(), cols = shape.qzerosCols();
    for (std::int64_t g = 0; g < groups; ++g) {
        std::int32_t *dst = qzeros + g * cols;
        std::fill(dst, dst + cols, 0);
        BitWriter writer(shape.bits);
        std::uint32_t word;
        std::int64_t w = 0;
        for (std::int64_t r = 0; r < shape.rows; ++r)
            if (writer.put((std::uint32_t(zeros[r * groups + g]) - 1u) & mask, &word))
                dst[w++] = std::int32_t(word);
        if (writer.flush(&word))
            dst[w] = std::int32_t(word);
    }
}

int gptqZero(const GptqShape &shape, const std::int32_t *qzeros, std::int64_t g, std::int64_t n)
{
    const std::uint32_t field = readField(qzeros + g * shape.qzerosCols(), 1, n * shape.bits, shape.bits);
    return int((field + 1u) & ((1u << shape.bits) - 1u));
}

void gptqUnpackZeros(const GptqShape &shape, const std::int32_t *qzeros, std::uint8_t *zeros)
{
    const std::int64_t groups = shape.groups();
    for (std::int64_t g = 0; g < groups; ++g)
        for (std::int64_t r = 0; r < shape.rows; ++r)
            zeros[r * groups + g] = std::uint8_t(gptqZero(shape, qzeros, g, r));
}

void gptqPackScales(const GptqShape &shape, const float *scales, fp16_t *out)
{
    const std::int64_t groups = shape.groups();
    for (std::int64_t g = 0; g < groups; ++g)
        for (std::int64_t r = 0; r < shape.rows; ++r)
            out[g * shape.rows + r] = fp32ToFp16(scales[r * groups + g]);
}

bool gptqGroupsTrivial(const GptqShape &shape, const std::int32_t *gIdx)
{
    if (!gIdx)
        return true;
    for (std::int64_t k = 0; k < shape.cols; ++k)
        if (gIdx[k] != k / shape.groupSize)
            return false;
    return true;
}

std::vector<std::int32_t> gptqGroupOrder(const GptqShape &shape, const std::int32_t *gIdx)
{
    if (gptqGroupsTrivial(shape, gIdx))
        return {};
    std::vector<std::int32_t> order(static_cast<std::size_t>(shape.cols));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [gIdx](std::int32_t a, std::int32_t b) { return gIdx[a] < gIdx[b]; });
    return order;
}

void gptqPermuteInputs(const GptqShape &shape, const std::int32_t *qweight,
                       const std::vector<std::int32_t> &order, std::int32_t *out)
{
    std::vector<std::uint8_t> codes(static_cast<std::size_t>(shape.rows * shape.cols));
    gptqUnpackWeights(shape, qweight, codes.data());
    std::vector<std::uint8_t> permuted(codes.size());
    for (std::int64_t r = 0; r < shape.rows; ++r)
        for (std::int64_t k = 0; k < shape.cols; ++k)
            permuted[r * shape.cols + k] = codes[r * shape.cols + order[k]];
    gptqPackWeights(shape, permuted.data(), out);
}

} // namespace lieq::kernels
