#pragma once

// The shape of a Qwen3-architecture language model the trainer builds (tied embeddings, no
// biases, q/k RMSNorm, SwiGLU, GQA), and its HF config.json.

#include "core/io/model_config.h"

#include <cstdint>
#include <optional>
#include <string>

namespace lieq {

struct LmShape
{
    std::int64_t vocabSize = 4096;
    std::int64_t hiddenSize = 192;
    std::int64_t intermediateSize = 512;
    std::int64_t numLayers = 8;
    std::int64_t numHeads = 6;
    std::int64_t numKvHeads = 2;
    std::int64_t headDim = 32;
    std::int64_t maxPositionEmbeddings = 1024;
    double ropeTheta = 10000.0;
    double rmsNormEps = 1e-6;
    double initializerRange = 0.02; // std of the normal init, as HF's _init_weights
    std::optional<std::int64_t> bosTokenId;
    std::optional<std::int64_t> eosTokenId;

    // Throws lieq::Error naming the bad field (non-positive sizes, heads not a multiple of
    // kv heads, odd head_dim).
    void validate() const;
    // The config the runtime would parse from configJson().
    ModelConfig toConfig() const;
    // HF config.json text: model_type qwen3, Qwen3ForCausalLM, torch_dtype bfloat16.
    std::string configJson() const;
    // All trainable parameters (the tied head counted once).
    std::int64_t parameterCount() const;
};

} // namespace lieq
