#include "core/io/model_config.h"

#include "core/io/projection.h"

#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_text.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>

namespace lieq {

using nlohmann::json;

namespace {

// Reads config.json fields with the file named in every error.
class ConfigReader
{
public:
    ConfigReader(const json &j, const std::string &file) : m_j(j), m_file(file) {}

    bool present(const char *key) const
    {
        const auto it = m_j.find(key);
        return it != m_j.end() && !it->is_null();
    }

    std::int64_t requiredInt(const char *key) const
    {
        if (!present(key))
            fail(std::string("missing \"") + key + "\"");
        return intValue(key);
    }

    std::int64_t intOr(const char *key, std::int64_t fallback) const
    {
        return present(key) ? intValue(key) : fallback;
    }

    double doubleOr(const char *key, double fallback) const
    {
        return valueOr(key, fallback, &json::is_number, "a number");
    }

    bool boolOr(const char *key, bool fallback) const
    {
        return valueOr(key, fallback, &json::is_boolean, "true/false");
    }

    std::string stringOr(const char *key, const std::string &fallback) const
    {
        return valueOr(key, fallback, &json::is_string, "a string");
    }

    const std::string &file() const { return m_file; }

    [[noreturn]] void fail(const std::string &problem) const { throw Error(m_file, problem); }

private:
    // `key`'s value when present, `fallback` when absent or null; a value of another type
    // (isType false) is an error saying it is not `what`.
    template <typename T>
    T valueOr(const char *key, const T &fallback, bool (json::*isType)() const noexcept,
              const char *what) const
    {
        if (!present(key)) return fallback;
        const auto &v = m_j.at(key);
        if (!(v.*isType)()) fail(std::string("\"") + key + "\" is not " + what);
        return v.get<T>();
    }

    std::int64_t intValue(const char *key) const
    {
        const auto &v = m_j.at(key);
        // Some exporters write 2048.0; accept integral floats, refuse 1.5.
        if (v.is_number_unsigned() && v.get<std::uint64_t>() > std::uint64_t(INT64_MAX))
            fail(std::string("\"") + key + "\" is too large: " + v.dump());
        if (v.is_number_integer())
            return v.get<std::int64_t>();
        // Range first: converting a double outside int64 to an integer is undefined behaviour.
        if (v.is_number_float()) {
            const double d = v.get<double>();
            if (std::isfinite(d) && std::fabs(d) < 0x1p62 && d == std::trunc(d))
                return static_cast<std::int64_t>(d);
        }
        fail(std::string("\"") + key + "\" is not an integer: " + v.dump());
    }

    const json &m_j;
    std::string m_file;
};

RopeScaling parseRopeScaling(const json &j, const ConfigReader &r)
{
    RopeScaling s;
    if (!j.is_object())
        r.fail("\"rope_scaling\" is not an object or null");
    const ConfigReader rs(j, r.file()); // same file in errors
    std::string type = j.contains("rope_type") ? rs.stringOr("rope_type", "") : rs.stringOr("type", "");
    if (type.empty() || type == "default")
        return s;
    if (type != "llama3" && type != "linear")
        r.fail("unsupported rope_scaling type \"" + type + "\" (supported: llama3, linear)");
    s.type = type;
    s.factor = rs.doubleOr("factor", 1.0);
    if (s.factor <= 0)
        r.fail("rope_scaling factor must be positive");
    if (type == "llama3") {
        s.lowFreqFactor = rs.doubleOr("low_freq_factor", 1.0);
        s.highFreqFactor = rs.doubleOr("high_freq_factor", 4.0);
        s.originalMaxPositionEmbeddings = rs.intOr("original_max_position_embeddings", 8192);
        if (s.highFreqFactor <= s.lowFreqFactor || s.lowFreqFactor <= 0 ||
            s.originalMaxPositionEmbeddings <= 0)
            r.fail("rope_scaling llama3 needs 0 < low_freq_factor < high_freq_factor and a "
                   "positive original_max_position_embeddings");
    }
    return s;
}

std::vector<std::int64_t> tokenIds(const json &j, const ConfigReader &r, const char *key)
{
    std::vector<std::int64_t> ids;
    const auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return ids;
    if (it->is_number_integer())
        ids.push_back(it->get<std::int64_t>());
    else if (it->is_array())
        for (const auto &v : *it) {
            if (!v.is_number_integer())
                r.fail(std::string("\"") + key + "\" holds a non-integer");
            ids.push_back(v.get<std::int64_t>());
        }
    else
        r.fail(std::string("\"") + key + "\" is not an integer or list of integers");
    return ids;
}

// Whether every parameter count a loader computes from these sizes (per projection, per layer,
// all layers, embeddings and head) fits comfortably in int64: a lying config must be refused
// here rather than overflow in the arithmetic that follows.
bool sizesFit(const ModelConfig &c)
{
    constexpr std::int64_t kLimit = std::int64_t(1) << 62;
    bool ok = true;
    auto mul = [&](std::int64_t a, std::int64_t b) {
        std::int64_t out = 0;
        if (__builtin_mul_overflow(a, b, &out) || out > kLimit)
            ok = false;
        return ok ? out : 0;
    };
    const std::int64_t qo = mul(2, mul(c.hiddenSize, mul(c.numHeads, c.headDim)));
    const std::int64_t kv = mul(2, mul(c.hiddenSize, mul(c.numKvHeads, c.headDim)));
    const std::int64_t mlp = mul(3, mul(c.hiddenSize, c.intermediateSize));
    if (!ok)
        return false;
    std::int64_t layer = 0;
    if (__builtin_add_overflow(qo, kv, &layer) || __builtin_add_overflow(layer, mlp, &layer) ||
        layer > kLimit)
        return false;
    (void)mul(layer, c.numLayers);
    (void)mul(2, mul(c.vocabSize, c.hiddenSize));
    return ok;
}

} // namespace

ModelConfig ModelConfig::fromJson(const std::string &jsonText, const std::string &fileForErrors)
{
    json j = parseJson(jsonText, fileForErrors, "not valid JSON: ");
    if (!j.is_object())
        throw Error(fileForErrors, "not a JSON object");
    const ConfigReader r(j, fileForErrors);

    ModelConfig c;
    c.modelType = r.stringOr("model_type", "");
    if (c.modelType.empty())
        r.fail("missing \"model_type\"");
    if (c.modelType == "llama")
        c.arch = Architecture::Llama;
    else if (c.modelType == "qwen2")
        c.arch = Architecture::Qwen2;
    else if (c.modelType == "qwen3")
        c.arch = Architecture::Qwen3;
    else if (c.modelType == "mistral")
        c.arch = Architecture::Mistral;
    else
        r.fail("unsupported architecture " + c.modelType +
               " (supported: llama, qwen2, qwen3, mistral)");

    c.vocabSize = r.requiredInt("vocab_size");
    c.hiddenSize = r.requiredInt("hidden_size");
    c.intermediateSize = r.requiredInt("intermediate_size");
    c.numLayers = r.requiredInt("num_hidden_layers");
    c.numHeads = r.requiredInt("num_attention_heads");
    c.numKvHeads = r.intOr("num_key_value_heads", c.numHeads);
    for (auto [v, name] : {std::pair{c.vocabSize, "vocab_size"}, {c.hiddenSize, "hidden_size"},
                           {c.intermediateSize, "intermediate_size"},
                           {c.numLayers, "num_hidden_layers"}, {c.numHeads, "num_attention_heads"},
                           {c.numKvHeads, "num_key_value_heads"}})
        if (v <= 0)
            r.fail(std::string("\"") + name + "\" must be positive, got " + std::to_string(v));
    if (c.numHeads % c.numKvHeads != 0)
        r.fail("num_attention_heads " + std::to_string(c.numHeads) +
               " is not a multiple of num_key_value_heads " + std::to_string(c.numKvHeads));
    if (r.present("head_dim")) {
        c.headDim = r.requiredInt("head_dim");
        if (c.headDim <= 0)
            r.fail("\"head_dim\" must be positive");
    } else {
        if (c.hiddenSize % c.numHeads != 0)
            r.fail("hidden_size " + std::to_string(c.hiddenSize) +
                   " is not divisible by num_attention_heads and no head_dim is given");
        c.headDim = c.hiddenSize / c.numHeads;
    }
    if (c.headDim % 2 != 0)
        r.fail("head_dim " + std::to_string(c.headDim) + " is odd; rotary embeddings need it even");

    if (!sizesFit(c))
        r.fail("sizes (hidden_size " + std::to_string(c.hiddenSize) + ", intermediate_size " +
               std::to_string(c.intermediateSize) + ", " + std::to_string(c.numLayers) +
               " layers, " + std::to_string(c.numHeads) + " heads of " + std::to_string(c.headDim) +
               ", vocab_size " + std::to_string(c.vocabSize) +
               ") imply more than 2^62 parameters; the file is corrupt");

    const std::string act = r.stringOr("hidden_act", "silu");
    if (act != "silu" && act != "swish")
        r.fail("unsupported hidden_act \"" + act + "\" (only silu)");

    c.maxPositionEmbeddings = r.intOr("max_position_embeddings", 2048);
    c.rmsNormEps = r.doubleOr("rms_norm_eps", 1e-6);
    c.ropeTheta = r.doubleOr("rope_theta", 10000.0);
    if (c.rmsNormEps <= 0 || c.ropeTheta <= 0)
        r.fail("rms_norm_eps and rope_theta must be positive");
    if (r.present("rope_scaling"))
        c.ropeScaling = parseRopeScaling(j.at("rope_scaling"), r);
    c.tieWordEmbeddings = r.boolOr("tie_word_embeddings", false);
    c.mlpBias = r.boolOr("mlp_bias", false);
    switch (c.arch) {
    case Architecture::Llama:
        c.attentionBias = r.boolOr("attention_bias", false);
        break;
    case Architecture::Qwen2:
        c.attentionBias = true; // Qwen2 always has q/k/v biases; the config has no switch
        break;
    case Architecture::Qwen3:
        c.attentionBias = r.boolOr("attention_bias", false);
        c.qkNorm = true;
        break;
    case Architecture::Mistral:
        c.attentionBias = false;
        break;
    }
    if (c.arch == Architecture::Mistral) {
        if (r.present("sliding_window"))
            c.slidingWindow = r.requiredInt("sliding_window");
    } else if (r.boolOr("use_sliding_window", false)) {
        r.fail("use_sliding_window is true; sliding-window attention is supported only for mistral");
    }
    c.initializerRange = r.doubleOr("initializer_range", 0.02);
    const auto bos = tokenIds(j, r, "bos_token_id");
    if (!bos.empty())
        c.bosTokenId = bos.front();
    c.eosTokenIds = tokenIds(j, r, "eos_token_id");
    // transformers >= 4.56 writes "dtype"; older versions "torch_dtype".
    c.torchDtype = r.stringOr("torch_dtype", r.stringOr("dtype", ""));
    return c;
}

ModelConfig ModelConfig::fromFile(const std::string &path) { return fromJson(readFile(path), path); }

std::string ModelConfig::architectureName() const
{
    switch (arch) {
    case Architecture::Llama: return "llama";
    case Architecture::Qwen2: return "qwen2";
    case Architecture::Qwen3: return "qwen3";
    case Architecture::Mistral: return "mistral";
    }
    return "unknown";
}

std::int64_t ModelConfig::layerLinearParams() const
{
    std::int64_t params = 0;
    for (Projection p : kAllProjections) {
        const ProjectionShape s = projectionShape(*this, p);
        params += s.rows * s.cols;
    }
    return params;
}

std::int64_t ModelConfig::decoderLinearParams() const { return numLayers * layerLinearParams(); }

} // namespace lieq
