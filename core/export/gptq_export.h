#pragma once

#include "core/util/progress.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lieq {

class QuantizedRunReader;

// How zero points are stored. v1 (AutoGPTQ, vLLM, transformers) stores zero - 1, so a group
// whose zero is 0 (all its weights >= 0 on an asymmetric grid) cannot be written; v2
// (GPTQModel's internal format, checkpoint_format "gptq_v2") stores the zero itself.
enum class GptqFormat { Auto, V1, V2 };

struct GptqExportOptions
{
    GptqFormat format = GptqFormat::Auto;       // Auto: v1 unless some zero point is 0
    std::uint64_t shardBytes = 2'000'000'000;  // per safetensors shard
};

struct GptqExportResult
{
    std::string dir;
    std::vector<std::string> files;
    std::string checkpointFormat;       // "gptq" (v1) or "gptq_v2"
    int baseBits = 4;                   // quantization_config.bits
    std::map<int, int> modulesByBits;   // quantized modules per bit-width (16: kept in F16)
    std::string dynamicJson = "{}";     // the per-module overrides written
    std::int64_t zeroPointZeroGroups = 0; // groups whose zero point is 0
    std::uint64_t bytes = 0;
    std::vector<std::string> warnings;  // runtimes that will refuse parts of it, and why

    std::string summaryJson() const;
};

// Writes a quantization run as a GPTQ checkpoint: per quantized linear qweight (I32), qzeros
// (I32), scales (F16), g_idx (I32) in exactly the AutoGPTQ v1 packing for 2, 3, 4 and 8 bits
// (kernels/gptq_pack.h), the other tensors in F16, sharded safetensors with
// model.safetensors.index.json, config.json with quantization_config and quantize_config.json:
// the most common bit-width as `bits`, and `dynamic` overrides ("+:regex": {"bits": b}, and
// "-:regex" for linears kept in F16) whose patterns match both the Hugging Face module names
// and vLLM's fused qkv_proj / gate_up_proj. Refuses, naming the module, shapes the GPTQ layout
// cannot hold (in_features % 32, out_features * bits % 32) and, in v1, zero points of 0.
// The folder is written under a temporary name and renamed when complete.
GptqExportResult exportRunGptq(const QuantizedRunReader &run, const std::string &outDir,
                               const GptqExportOptions &options = {}, const ProgressFn &progress = {});

// The dynamic override patterns for modules at bits other than `baseBits` (16 = kept in F16,
// written as "-:" exclusions): modules are HF stems ("model.layers.3.self_attn.q_proj").
// Exposed for tests: every pattern is anchored at the start as vLLM's and GPTQModel's
// re.match are, and a fused group gets its fused name only when all its members agree.
std::map<std::string, int> gptqDynamicPatterns(const std::map<std::string, int> &moduleBits, int baseBits,
                                               std::vector<std::string> *warnings = nullptr);

} // namespace lieq
