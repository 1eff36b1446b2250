#pragma once

#include "kernels/cpu_features.h"

#include <cstdint>

// Attention of one query position (decode) for the query heads that share one kv head (a GQA
// group), straight over the KV cache's rows: scores q.k * scale, softmax, weighted sum of the
// values. Decode runs this once per kv head and layer for every generated token; as ~10 torch
// calls (two mm, masks, softmax, copies) per kv head it cost a quarter of a 0.6B model's decode
// time at one thread, more than the layer's attention GEMVs. Every key passed is visible: the
// caller applies the causal and sliding-window bounds by where `k`/`v` start and `keys`.
namespace lieq::kernels {

struct DecodeAttention
{
    std::int64_t heads = 0;   // query heads of the group
    std::int64_t headDim = 0;
    const float *q = nullptr; // query head i at q + i * qStride
    std::int64_t qStride = 0;
    const float *k = nullptr; // key position t at k + t * kStride
    const float *v = nullptr; // value position t at v + t * vStride
    std::int64_t kStride = 0;
    std::int64_t vStride = 0;
    std::int64_t keys = 0;    // positions, at least 1
    float scale = 1.0f;
    float *out = nullptr;     // head i's result at out + i * outStride (headDim floats)
    std::int64_t outStride = 0;
};

// Auto picks AVX2 (FMA) when the CPU has it. Throws std::invalid_argument on an empty or
// inconsistent description.
void attendDecode(const DecodeAttention &a, Backend backend = Backend::Auto);

// The scalar reference: the same steps in plain C++.
void attendDecodeRef(const DecodeAttention &a);

} // namespace lieq::kernels
