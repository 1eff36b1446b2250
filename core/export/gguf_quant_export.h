#pragma once

#include "core/io/gguf_format.h"
#include "core/util/progress.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lieq {

class Checkpoint;
class QuantizedRunReader;
namespace alloc {
struct BitPlan;
}

struct GgufQuantOptions
{
    std::string name;                       // general.name; default: the folder name
    GgmlType embeddingType = GgmlType::Q6_K; // token_embd (and the output when tied)
    GgmlType outputType = GgmlType::Q6_K;    // output.weight of untied models
};

// One tensor of the written file and how it came to be.
struct GgufTensorReport
{
    std::string hfName, ggufName;
    int planBits = 16;        // the plan's bits for decoder linears; 16 otherwise
    GgmlType type = GgmlType::F32;
    std::string how;          // "exact", "requantized", "quantized", "converted"
    std::string note;         // fallback taken, etc.
    double nmse = 0;          // vs the run's weights (requantized) or the float weights
    double maxAbs = 0;
    std::int64_t params = 0;
};

struct GgufQuantResult
{
    std::string path;
    std::string architecture;
    GgufFileType fileType = GgufFileType::MostlyF16;
    std::uint64_t fileBytes = 0;
    std::int64_t vocabTokens = 0;
    std::vector<GgufTensorReport> tensors;
    int exact = 0, requantized = 0;  // decoder linears of a quantization run
    double linearBits = 0;           // GGUF bits per decoder-linear weight (block overhead included)

    std::string summaryJson() const; // per-tensor table and counts, for the store and --json
};

// A quantization run's checkpoint as a GGUF with the plan's per-tensor types (2 -> Q2_K,
// 3 -> Q3_K, 4 -> Q4_K, 8 -> Q8_0, kept -> F16; fallbacks where rows are not a multiple of
// 256). Each quantized linear is dequantized exactly and re-encoded with ggml's reference
// search; its added error against the run's weights is reported per tensor, and tensors whose
// GGUF values equal the run's are marked exact. Atomic; throws lieq::Error / lieq::Cancelled.
GgufQuantResult exportRunGguf(const QuantizedRunReader &run, const std::string &outPath,
                              const GgufQuantOptions &options = {}, const ProgressFn &progress = {});

// A float model with a bit plan, quantized the way llama_model_quantize does (reference
// searches, no importance matrix); errors are against the float weights.
GgufQuantResult exportPlannedGguf(const Checkpoint &model, const alloc::BitPlan &plan, const std::string &outPath,
                                  const GgufQuantOptions &options = {}, const ProgressFn &progress = {});

} // namespace lieq
