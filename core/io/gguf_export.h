#pragma once

#include "core/io/gguf_format.h"
#include "core/io/gguf_model_builder.h" // llama3RopeFactors, llamaQkRowOrder
#include "core/util/progress.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lieq {

class Checkpoint;
struct ModelConfig;

struct GgufExportOptions
{
    GgmlType type = GgmlType::F32; // matrices; norms, biases and other 1-D tensors stay F32
    std::string name;              // general.name; default: the folder name
};

struct GgufExportResult
{
    std::string path;
    std::string architecture;      // GGUF architecture ("llama" for llama and mistral)
    std::size_t tensorCount = 0;
    std::uint64_t fileBytes = 0;
    std::int64_t vocabTokens = 0;
};

// Writes an F32/F16 GGUF that llama.cpp loads: llama/mistral as "llama" (q/k rows permuted from
// the HF rotate-half layout to llama.cpp's interleaved one, rope_freqs.weight for llama3 rope
// scaling), qwen2 and qwen3 as themselves (no permutation: they use NEOX rope). The vocabulary
// comes from tokenizer.json beside the weights. Atomic; throws lieq::Error / lieq::Cancelled.
GgufExportResult exportGguf(const Checkpoint &ckpt, const std::string &outPath,
                            const GgufExportOptions &options = {}, const ProgressFn &progress = {});

} // namespace lieq
