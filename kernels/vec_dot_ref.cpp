#include "kernels/vec_dot.h"

#include "kernels/quant_search.h"

namespace lieq::kernels {

namespace {

// Code (before the type's offset) of value v in 0..255 of the 2-bit planes shared by Q2_K and
// Q3_K: v = 128 h + 32 s + l sits at bits 2s of qs[32 h + l].
int twoBitCode(const std::uint8_t *qs, int v)
{
    return (qs[32 * (v / 128) + v % 32] >> (2 * ((v / 32) % 4))) & 3;
}

int q6kCode(const BlockQ6K &b, int v)
{
    const int half = v / 128, r = v % 128, quarter = r / 32, l = r % 32;
    const std::uint8_t low = b.ql[64 * half + l + 32 * (quarter & 1)];
    const int nibble = quarter < 2 ? (low & 0xf) : (low >> 4);
    const int high = (b.qh[32 * half + l] >> (2 * quarter)) & 3;
    return nibble | (high << 4);
}

int q3kScale(const std::uint8_t *scales, int j)
{
    const int low = j < 8 ? scales[j] & 0xf : scales[j - 8] >> 4;
    return (low | (((scales[8 + j % 4] >> (2 * (j / 4))) & 3) << 4)) - 32;
}

} // namespace

float vecDotQ4_0Q8_0Ref(std::int64_t n, const BlockQ4_0 *w, const BlockQ8_0 *x)
{
    float sum = 0;
    for (std::int64_t b = 0; b < n / kQK4_0; ++b) {
        int acc = 0;
        for (int j = 0; j < kQK4_0 / 2; ++j) {
            acc += ((w[b].qs[j] & 0xf) - 8) * x[b].qs[j];
            acc += ((w[b].qs[j] >> 4) - 8) * x[b].qs[j + kQK4_0 / 2];
        }
        sum += fp16ToFp32(w[b].d) * fp16ToFp32(x[b].d) * float(acc);
    }
    return sum;
}

float vecDotQ8_0Q8_0Ref(std::int64_t n, const BlockQ8_0 *w, const BlockQ8_0 *x)
{
    float sum = 0;
    for (std::int64_t b = 0; b < n / kQK8_0; ++b) {
        int acc = 0;
        for (int j = 0; j < kQK8_0; ++j)
            acc += w[b].qs[j] * x[b].qs[j];
        sum += fp16ToFp32(w[b].d) * fp16ToFp32(x[b].d) * float(acc);
    }
    return sum;
}

float vecDotQ2KQ8KRef(std::int64_t n, const BlockQ2K *w, const BlockQ8K *x)
{
    float sum = 0;
    for (std::int64_t b = 0; b < n / kQKK; ++b) {
        int scaled = 0, mins = 0;
        for (int j = 0; j < 16; ++j) {
            int acc = 0;
            for (int i = 16 * j; i < 16 * j + 16; ++i)
                acc += twoBitCode(w[b].qs, i) * x[b].qs[i];
            scaled += (w[b].scales[j] & 0xf) * acc;
            mins += (w[b].scales[j] >> 4) * x[b].bsums[j];
        }
        sum += x[b].d * (fp16ToFp32(w[b].d) * float(scaled) - fp16ToFp32(w[b].dmin) * float(mins));
    }
    return sum;
}

float vecDotQ3KQ8KRef(std::int64_t n, const BlockQ3K *w, const BlockQ8K *x)
{
    float sum = 0;
    for (std::int64_t b = 0; b < n / kQKK; ++b) {
        int scaled = 0;
        for (int j = 0; j < 16; ++j) {
            int acc = 0;
            for (int i = 16 * j; i < 16 * j + 16; ++i) {
                const int high = (w[b].hmask[i % 32] >> (i / 32)) & 1;
                acc += (twoBitCode(w[b].qs, i) + 4 * high - 4) * x[b].qs[i];
            }
            scaled += q3kScale(w[b].scales, j) * acc;
        }
        sum += x[b].d * fp16ToFp32(w[b].d) * float(scaled);
    }
    return sum;
}

float vecDotQ4KQ8KRef(std::int64_t n, const BlockQ4K *w, const BlockQ8K *x)
{
    float sum = 0;
    for (std::int64_t b = 0; b < n / kQKK; ++b) {
        int scaled = 0, mins = 0;
        for (int j = 0; j < 8; ++j) {
            std::uint8_t sc, m;
            detail::scaleMinK4(j, w[b].scales, &sc, &m);
            const std::uint8_t *q = w[b].qs + 32 * (j / 2);
            int acc = 0;
            for (int i = 0; i < 32; ++i)
                acc += ((j % 2) ? (q[i] >> 4) : (q[i] & 0xf)) * x[b].qs[32 * j + i];
            scaled += sc * acc;
            mins += m * (x[b].bsums[2 * j] + x[b].bsums[2 * j + 1]);
        }
        sum += x[b].d * (fp16ToFp32(w[b].d) * float(scaled) - fp16ToFp32(w[b].dmin) * float(mins));
    }
    return sum;
}

float vecDotQ6KQ8KRef(std::int64_t n, const BlockQ6K *w, const BlockQ8K *x)
{
    float sum = 0;
    for (std::int64_t b = 0; b < n / kQKK; ++b) {
        int scaled = 0;
        for (int j = 0; j < 16; ++j) {
            int acc = 0;
            for (int i = 16 * j; i < 16 * j + 16; ++i)
                acc += (q6kCode(w[b], i) - 32) * x[b].qs[i];
            scaled += w[b].scales[j] * acc;
        }
        sum += x[b].d * fp16ToFp32(w[b].d) * float(scaled);
    }
    return sum;
}

} // namespace lieq::kernels
