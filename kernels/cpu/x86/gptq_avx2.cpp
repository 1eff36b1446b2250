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
        // (All three keep input p / 16 * 16 .. + 15 in positions p / 16 * 16 .. + 15.)
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
        // Every order keeps each 16 inputs in their 16 positions: one vpshufb per block.
        int order[32];
        blockOrder(bits, order);
        alignas(32) std::int8_t mask[32];
        for (int p = 0; p < 32; ++p)
            mask[p] = std::int8_t(order[p] % 16);
        const __m256i shuffle = _mm256_load_si256(reinterpret_cast<const __m256i *>(mask));
        out.q8.resize(std::size_t(rows * cols));
        for (std::int64_t i = 0; i < rows * cols; i += 32)
            _mm256_storeu_si256(reinterpret_cast<__m256i *>(out.q8.data() + i),
                                _mm256_shuffle_epi8(_mm256_loadu_si256(reinterpret_cast<const __m256i *>(x.q.data() + i)), shuffle));
    }
    out.groupSums.assign(std::size_t(rows * groups), 0.0f);
    for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t b = 0; b < blocks; ++b)
            out.groupSums[r * groups + std::min(groups - 1, b / bpg)] +=
                x.d[r * blocks + b] * float(x.sums[r * blocks + b]);
}

} // namespace lieq::kernels::x86

namespace lieq::kernels::x86 {

void quantizeGptqActivationsAvx2(const float *x, std::int64_t m, std::int64_t cols, GptqActivations &out)
{
    out.rows = m;
    out.paddedCols = (cols + 31) / 32 * 32;
    const std::int64_t blocks = out.paddedCols / 32, full = cols / 32;
    out.q.assign(std::size_t(m * out.paddedCols), 0);
    out.d.assign(std::size_t(m * blocks), 0.0f);
    out.sums.assign(std::size_t(m * blocks), 0);
    const __m256 sign = _mm256_set1_ps(-0.0f), magic = _mm256_set1_ps(12582912.f);
    const __m256i mant = _mm256_set1_epi32(0x007fffff), bias = _mm256_set1_epi32(0x00400000);
    for (std::int64_t i = 0; i < m; ++i) {
        const float *row = x + i * cols;
        std::int8_t *q = out.q.data() + i * out.paddedCols;
        for (std::int64_t b = 0; b < full; ++b) {
            __m256 v[4];
            __m256 mx = _mm256_setzero_ps();
            for (int j = 0; j < 4; ++j) {
                v[j] = _mm256_loadu_ps(row + 32 * b + 8 * j);
                mx = _mm256_max_ps(mx, _mm256_andnot_ps(sign, v[j]));
            }
            __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(mx), _mm256_extractf128_ps(mx, 1));
            m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
            m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
            const float d = _mm_cvtss_f32(m4) / 127.0f;
            const float id = d > 0.0f ? 1.0f / d : 0.0f;
            const __m256 vid = _mm256_set1_ps(id);
            __m256i c[4];
            __m256i sum = _mm256_setzero_si256();
            for (int j = 0; j < 4; ++j) {
                // detail::nearestInt: the float sum with 1.5 * 2^23 rounds to nearest even.
                const __m256i bits = _mm256_castps_si256(_mm256_add_ps(_mm256_mul_ps(v[j], vid), magic));
                c[j] = _mm256_sub_epi32(_mm256_and_si256(bits, mant), bias);
                sum = _mm256_add_epi32(sum, c[j]);
            }
            const __m256i bytes = _mm256_packs_epi16(_mm256_packs_epi32(c[0], c[1]), _mm256_packs_epi32(c[2], c[3]));
            _mm256_storeu_si256(reinterpret_cast<__m256i *>(q + 32 * b),
                                _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
            __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
            s4 = _mm_add_epi32(s4, _mm_unpackhi_epi64(s4, s4));
            s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 1));
            out.d[std::size_t(i * blocks + b)] = d;
            out.sums[std::size_t(i * blocks + b)] = _mm_cvtsi128_si32(s4);
        }
        if (full < blocks) { // the last, partial block as the reference does it
            GptqActivations tail;
            quantizeGptqActivations(row + 32 * full, 1, cols - 32 * full, tail);
            std::copy(tail.q.begin(), tail.q.end(), q + 32 * full);
            out.d[std::size_t(i * blocks + full)] = tail.d[0];
            out.sums[std::size_t(i * blocks + full)] = tail.sums[0];
        }
    }
}

} // namespace lieq::kernels::x86
