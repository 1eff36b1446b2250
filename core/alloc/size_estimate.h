#pragma once

#include "core/alloc/bit_plan.h"

#include <cstdint>
#include <string>
#include <vector>

// What a plan costs on disk: nominal bits (the weights alone), effective bits (with the
// per-group scales/zeros and g_idx) and the file size of each export format.
namespace lieq::alloc {

struct GptqOptions
{
    int groupSize = 128;     // along in_features; <= 0: one group per output row
    bool symmetric = false;  // symmetric grids need no zero-points (the GPTQ format stores
                             // qzeros anyway, so the file size does not change)
    bool storeGIdx = true;   // int32 g_idx per input column, as AutoGPTQ/transformers write it
};

struct SizeEstimate
{
    std::string format;          // "gptq", "gguf"
    double nominalBits = 0;      // weights alone, parameter-weighted (decoder linears)
    double effectiveBits = 0;    // + scales, zeros (asymmetric only), g_idx
    double storedBits = 0;       // bytes the format writes for the decoder linears * 8 / params
    std::uint64_t linearBytes = 0;
    std::uint64_t otherBytes = 0; // non-linear tensors (embeddings, norms, lm_head) in fp16
    std::uint64_t totalBytes = 0; // linearBytes + otherBytes (headers/metadata not counted)
    bool approximate = false;     // some layer had no projection shapes: sizes assume in/out
                                  // dimensions divisible by every block and group size
    std::vector<std::string> tensorTypes; // GGUF: distinct tensor types used, e.g. "Q2_K"
};

// GGUF block of the type a bit-width maps to (llama.cpp k-quants; rows whose length is not a
// multiple of 256 fall back to 32-wide blocks, and to F16 when not a multiple of 32).
struct GgufBlock
{
    std::string type;
    int blockSize = 0;   // weights per block
    int blockBytes = 0;  // bytes per block
};
GgufBlock ggufBlockFor(int bits, std::int64_t rowLength);

// Bytes of one rows x cols linear (groups and packing along cols) at `bits`.
std::uint64_t gptqLinearBytes(std::int64_t rows, std::int64_t cols, int bits,
                              const GptqOptions &options);
std::uint64_t ggufLinearBytes(std::int64_t rows, std::int64_t cols, int bits);

// Per weight: bits + 16/g (fp16 scale) + bits/g (zero-point, asymmetric) + 32/rows (g_idx).
double gptqEffectiveBits(int bits, std::int64_t rows, const GptqOptions &options);

SizeEstimate estimateGptq(const BitPlan &plan, const GptqOptions &options,
                          std::int64_t otherParams = 0);
SizeEstimate estimateGguf(const BitPlan &plan, std::int64_t otherParams = 0);

} // namespace lieq::alloc
