#include "kernels/cpu/x86/read_avx2.h"

#include <immintrin.h>

namespace lieq::kernels::x86 {

std::uint64_t readAvx2(const void *p, std::int64_t bytes)
{
    const auto *v = static_cast<const __m256i *>(p);
    __m256i a = _mm256_setzero_si256(), b = a, c = a, d = a;
    for (std::int64_t i = 0; i < bytes / 32; i += 4) {
        a = _mm256_xor_si256(a, _mm256_loadu_si256(v + i));
        b = _mm256_xor_si256(b, _mm256_loadu_si256(v + i + 1));
        c = _mm256_xor_si256(c, _mm256_loadu_si256(v + i + 2));
        d = _mm256_xor_si256(d, _mm256_loadu_si256(v + i + 3));
    }
    a = _mm256_xor_si256(_mm256_xor_si256(a, b), _mm256_xor_si256(c, d));
    return std::uint64_t(_mm256_extract_epi64(a, 0) ^ _mm256_extract_epi64(a, 3));
}

} // namespace lieq::kernels::x86
