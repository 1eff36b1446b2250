#pragma once

// The shape of the Qwen3-architecture language model the trainer builds (tied embeddings, no
// biases, q/k RMSNorm, SwiGLU, GQA), and its HF config.json.

#include "core/io/model_config.h"

#include <cstdint>
#include <string>

namespace lieq {

// The ModelConfig the runtime parses from configJson(), with the trainer's default sizes
// (vocabulary 4096, hidden 192, intermediate 512, 8 layers, 6 heads / 2 kv heads of 32,
// 1024 positions). Special tokens: bosTokenId and at most one id in eosTokenIds.
struct LmShape : ModelConfig
{
    LmShape();

    // Throws lieq::Error naming the bad field (non-positive sizes, heads not a multiple of
    // kv heads, odd head_dim).
    void validate() const;
    // HF config.json text: model_type qwen3, Qwen3ForCausalLM, torch_dtype bfloat16.
    std::string configJson() const;
    // All trainable parameters (the tied head counted once).
    std::int64_t parameterCount() const;
};

} // namespace lieq
