#pragma once

#include "kernels/gptq_ref.h"

#include <cstdint>
#include <vector>

// AVX2 + FMA + F16C kernels of the GPTQ v1 layout (this file's .cpp alone is compiled with
// those instructions; callers check kernels::cpuFeatures() first). Only for matrices where
// gptqFastPath() holds; outputs are processed in tiles of 8 (one int32 word each).
namespace lieq::kernels::x86 {

// The activations rearranged to match how the weight words are decoded (see the .cpp), plus
// per group sum_b d_b * sum(q in b) for the zero-point term.
struct GptqAvx2Input
{
    std::vector<std::int8_t> q8;   // bits 2, 3, 4: rows x paddedCols
    std::vector<std::int16_t> q16; // bits 8: rows x paddedCols
    std::vector<float> groupSums;  // rows x groups
};

void gptqPrepareAvx2(const GptqMatrix &w, const GptqActivations &x, GptqAvx2Input &out);

// quantizeGptqActivations in AVX2: the same codes, scales and sums.
void quantizeGptqActivationsAvx2(const float *x, std::int64_t m, std::int64_t cols, GptqActivations &out);

// y[i][n] for n in [nBegin, nEnd) (nBegin a multiple of 8), every activation row i; outputs
// past the last full tile of 8 go through gptqMatmulRef.
void gptqMatmulAvx2(const GptqMatrix &w, const GptqActivations &x, const GptqAvx2Input &in,
                    float *y, std::int64_t ldy, std::int64_t nBegin, std::int64_t nEnd);

// One activation row over groups [gBegin, gEnd) only: y[n] for n in [nBegin, nEnd) (whole
// tiles of 8: nEnd <= rows / 8 * 8) is that part of the row's sum (y overwritten). A GEMV
// split along the inputs adds such parts (kernels/matmul.cpp).
void gptqGemvGroupsAvx2(const GptqMatrix &w, const GptqActivations &x, const GptqAvx2Input &in,
                        float *y, std::int64_t nBegin, std::int64_t nEnd, std::int64_t gBegin,
                        std::int64_t gEnd);

} // namespace lieq::kernels::x86

// The same kernel with AVX512-VNNI/VL (gptq_vnni.cpp; callers check cpuFeatures().x86Vnni()).
// Same results as x86::gptqMatmulAvx2, bit for bit.
namespace lieq::kernels::x86vnni {

using x86::GptqAvx2Input;

void gptqMatmulAvx2(const GptqMatrix &w, const GptqActivations &x, const GptqAvx2Input &in,
                    float *y, std::int64_t ldy, std::int64_t nBegin, std::int64_t nEnd);
void gptqGemvGroupsAvx2(const GptqMatrix &w, const GptqActivations &x, const GptqAvx2Input &in,
                        float *y, std::int64_t nBegin, std::int64_t nEnd, std::int64_t gBegin,
                        std::int64_t gEnd);

} // namespace lieq::kernels::x86vnni
