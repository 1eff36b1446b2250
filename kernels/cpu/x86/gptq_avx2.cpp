// The AVX2 build of the GPTQ kernels (gptq_kernels_impl.h) and the activation layout both
// builds read (gptqPrepareAvx2).
#define LIEQ_X86_NS x86
#include "kernels/cpu/x86/gptq_kernels_impl.h"

namespace lieq::kernels::x86 {

namespace {

// Kernel order of the 32 activations of a block, by bit-width (index = position, value = input).
void blockOrder(int bits, int order[32])
{
    for (int p = 0; p < 32; ++p) {
        if (bits == 4)
            order[p] = 8 * (p / 8) + (p % 8 < 4 ? 2 * (p % 4) : 2 * (p % 4) + 1);
        else if (bits == 2)
            order[p] = 16 * (p / 16) + (p % 16) / 4 + 4 * (p % 4);
        else
            order[p] = p;
    }
}

} // namespace

void gptqPrepareAvx2(const GptqMatrix &w, const GptqActivations &x, GptqAvx2Input &out)
{
    const int bits = w.shape.bits;
    const std::int64_t rows = x.rows, cols = x.paddedCols, blocks = x.blocks();
    const std::int64_t groups = w.shape.groups();
    const std::int64_t bpg = groups == 1 ? blocks : w.shape.groupSize / 32;
    if (bits == 8) {
        // Per word (4 inputs): int16 pairs (x0, x2) then (x1, x3).
        out.q16.resize(std::size_t(rows * cols));
        for (std::int64_t i = 0; i < rows * cols; i += 4) {
            const std::int8_t *src = x.q.data() + i;
            std::int16_t *dst = out.q16.data() + i;
            dst[0] = src[0];
            dst[1] = src[2];
            dst[2] = src[1];
            dst[3] = src[3];
        }
    } else {
        int order[32];
        blockOrder(bits, order);
        out.q8.resize(std::size_t(rows * cols));
        for (std::int64_t i = 0; i < rows * cols; i += 32)
            for (int p = 0; p < 32; ++p)
                out.q8[i + p] = x.q[i + order[p]];
    }
    out.groupSums.assign(std::size_t(rows * groups), 0.0f);
    for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t b = 0; b < blocks; ++b)
            out.groupSums[r * groups + std::min(groups - 1, b / bpg)] +=
                x.d[r * blocks + b] * float(x.sums[r * blocks + b]);
}

} // namespace lieq::kernels::x86
