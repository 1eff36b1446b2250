#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lieq {

enum class Architecture { Llama, Qwen2, Qwen3, Mistral };

struct RopeScaling
{
    std::string type;                  // "" (none), "llama3", "linear"
    double factor = 1.0;
    double lowFreqFactor = 1.0;        // llama3
    double highFreqFactor = 4.0;       // llama3
    std::int64_t originalMaxPositionEmbeddings = 8192; // llama3
};

// Parsed config.json. Unknown model_type -> lieq::Error "unsupported architecture X".
struct ModelConfig
{
    Architecture arch = Architecture::Llama;
    std::string modelType;             // as in the file
    std::int64_t vocabSize = 0;
    std::int64_t hiddenSize = 0;
    std::int64_t intermediateSize = 0;
    std::int64_t numLayers = 0;
    std::int64_t numHeads = 0;
    std::int64_t numKvHeads = 0;
    std::int64_t headDim = 0;          // explicit head_dim, else hidden/heads
    std::int64_t maxPositionEmbeddings = 2048;
    double rmsNormEps = 1e-6;
    double ropeTheta = 10000.0;
    RopeScaling ropeScaling;
    bool tieWordEmbeddings = false;
    bool attentionBias = false;        // q/k/v biases (qwen2 always true)
    bool mlpBias = false;
    bool qkNorm = false;               // qwen3
    double initializerRange = 0.02;
    std::optional<std::int64_t> bosTokenId;
    std::vector<std::int64_t> eosTokenIds;
    std::string torchDtype;            // "bfloat16", "float16", "float32"
    std::optional<std::int64_t> slidingWindow; // mistral; used only when set

    static ModelConfig fromJson(const std::string &jsonText, const std::string &fileForErrors);
    static ModelConfig fromFile(const std::string &path);

    std::string architectureName() const;
    // Parameters of all decoder-layer linear weights (q,k,v,o,gate,up,down).
    std::int64_t decoderLinearParams() const;
    std::int64_t layerLinearParams() const;
};

} // namespace lieq
