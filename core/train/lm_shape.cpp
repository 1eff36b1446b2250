#include "core/train/lm_shape.h"

#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <vector>

namespace lieq {

LmShape::LmShape()
{
    arch = Architecture::Qwen3;
    modelType = "qwen3";
    vocabSize = 4096;
    hiddenSize = 192;
    intermediateSize = 512;
    numLayers = 8;
    numHeads = 6;
    numKvHeads = 2;
    headDim = 32;
    maxPositionEmbeddings = 1024;
    tieWordEmbeddings = true;
    qkNorm = true;
    torchDtype = "bfloat16";
}

void LmShape::validate() const
{
    auto positive = [](std::int64_t v, const char *name) {
        if (v <= 0)
            throw Error(std::string("model shape: ") + name + " must be positive, got " +
                        std::to_string(v));
    };
    positive(vocabSize, "vocab size");
    positive(hiddenSize, "hidden size");
    positive(intermediateSize, "intermediate size");
    positive(numLayers, "layers");
    positive(numHeads, "heads");
    positive(numKvHeads, "kv heads");
    positive(headDim, "head dim");
    positive(maxPositionEmbeddings, "max positions");
    if (numHeads % numKvHeads != 0)
        throw Error("model shape: heads (" + std::to_string(numHeads) +
                    ") must be a multiple of kv heads (" + std::to_string(numKvHeads) + ")");
    if (headDim % 2 != 0)
        throw Error("model shape: head dim must be even for rotary embeddings, got " +
                    std::to_string(headDim));
    if (!(initializerRange > 0) || !(rmsNormEps > 0) || !(ropeTheta > 0))
        throw Error("model shape: initializer range, RMSNorm eps and rope theta must be positive");
    if (eosTokenIds.size() > 1)
        throw Error("model shape: at most one end-of-sequence token id, got " +
                    std::to_string(eosTokenIds.size()));
    std::vector<std::int64_t> specialIds = eosTokenIds;
    if (bosTokenId)
        specialIds.push_back(*bosTokenId);
    for (const std::int64_t id : specialIds)
        if (id < 0 || id >= vocabSize)
            throw Error("model shape: special token id " + std::to_string(id) +
                        " is outside the vocabulary of " + std::to_string(vocabSize));
}

std::string LmShape::configJson() const
{
    // What every model the trainer builds has in common: the architecture and its fixed
    // switches, no sliding window or rope scaling, bf16 weights.
    nlohmann::json j = nlohmann::json::parse(R"({
        "architectures": ["Qwen3ForCausalLM"],
        "model_type": "qwen3",
        "hidden_act": "silu",
        "attention_bias": false,
        "attention_dropout": 0.0,
        "tie_word_embeddings": true,
        "rope_scaling": null,
        "sliding_window": null,
        "use_sliding_window": false,
        "use_cache": true,
        "torch_dtype": "bfloat16",
        "transformers_version": "4.51.0"
    })");
    // The shape.
    j["vocab_size"] = vocabSize;
    j["hidden_size"] = hiddenSize;
    j["intermediate_size"] = intermediateSize;
    j["num_hidden_layers"] = numLayers;
    j["max_window_layers"] = numLayers;
    j["num_attention_heads"] = numHeads;
    j["num_key_value_heads"] = numKvHeads;
    j["head_dim"] = headDim;
    j["max_position_embeddings"] = maxPositionEmbeddings;
    // Special tokens.
    j["bos_token_id"] = bosTokenId ? nlohmann::json(*bosTokenId) : nullptr;
    j["eos_token_id"] = !eosTokenIds.empty() ? nlohmann::json(eosTokenIds.front()) : nullptr;
    // Initialisation and numerics.
    j["initializer_range"] = initializerRange;
    j["rms_norm_eps"] = rmsNormEps;
    j["rope_theta"] = ropeTheta;
    // nlohmann::json keeps its keys sorted, as transformers writes config.json.
    return j.dump(2) + "\n";
}

std::int64_t LmShape::parameterCount() const
{
    const std::int64_t perLayer = layerLinearParams() + 2 * hiddenSize + 2 * headDim;
    return vocabSize * hiddenSize + numLayers * perLayer + hiddenSize;
}

} // namespace lieq
