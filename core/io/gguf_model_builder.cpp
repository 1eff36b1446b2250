#include "core/io/gguf_model_builder.h"

#include "core/io/checkpoint.h"
#include "core/io/gguf_vocab.h"
#include "core/util/error.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

namespace lieq {

namespace fs = std::filesystem;

namespace {

std::string ggufArchitecture(const ModelConfig &c)
{
    switch (c.arch) {
    case Architecture::Qwen2: return "qwen2";
    case Architecture::Qwen3: return "qwen3";
    default: return "llama"; // llama.cpp loads mistral checkpoints as llama
    }
}

// HF name -> GGUF name for one checkpoint, with the q/k permutation marked.
std::map<std::string, GgufTensorTarget> hfToGguf(const ModelConfig &c, bool llamaArch)
{
    std::map<std::string, GgufTensorTarget> m;
    m["model.embed_tokens.weight"] = {"token_embd.weight"};
    m["model.norm.weight"] = {"output_norm.weight"};
    if (!c.tieWordEmbeddings)
        m["lm_head.weight"] = {"output.weight"};
    for (std::int64_t l = 0; l < c.numLayers; ++l) {
        const std::string hf = "model.layers." + std::to_string(l) + ".";
        const std::string gg = "blk." + std::to_string(l) + ".";
        m[hf + "input_layernorm.weight"] = {gg + "attn_norm.weight"};
        m[hf + "post_attention_layernorm.weight"] = {gg + "ffn_norm.weight"};
        for (const char *s : {"weight", "bias"}) {
            m[hf + "self_attn.q_proj." + s] = {gg + "attn_q." + s, llamaArch, c.numHeads};
            m[hf + "self_attn.k_proj." + s] = {gg + "attn_k." + s, llamaArch, c.numKvHeads};
            m[hf + "self_attn.v_proj." + s] = {gg + "attn_v." + s};
            m[hf + "self_attn.o_proj." + s] = {gg + "attn_output." + s};
            m[hf + "mlp.gate_proj." + s] = {gg + "ffn_gate." + s};
            m[hf + "mlp.up_proj." + s] = {gg + "ffn_up." + s};
            m[hf + "mlp.down_proj." + s] = {gg + "ffn_down." + s};
        }
        m[hf + "self_attn.q_norm.weight"] = {gg + "attn_q_norm.weight"};
        m[hf + "self_attn.k_norm.weight"] = {gg + "attn_k_norm.weight"};
    }
    return m;
}

} // namespace

std::vector<std::int64_t> llamaQkRowOrder(std::int64_t rows, std::int64_t headDim)
{
    std::vector<std::int64_t> src(static_cast<std::size_t>(rows));
    const std::int64_t half = headDim / 2;
    for (std::int64_t h = 0; h < rows / headDim; ++h)
        for (std::int64_t i = 0; i < 2; ++i)
            for (std::int64_t j = 0; j < half; ++j)
                src[h * headDim + 2 * j + i] = h * headDim + i * half + j;
    return src;
}

std::vector<float> llama3RopeFactors(const ModelConfig &c)
{
    const RopeScaling &s = c.ropeScaling;
    const double oldContext = static_cast<double>(s.originalMaxPositionEmbeddings);
    const double lowWavelen = oldContext / s.lowFreqFactor;
    const double highWavelen = oldContext / s.highFreqFactor;
    std::vector<float> factors;
    for (std::int64_t i = 0; i < c.headDim; i += 2) {
        const double freq = 1.0 / std::pow(c.ropeTheta, static_cast<double>(i) / static_cast<double>(c.headDim));
        const double wavelen = 2.0 * M_PI / freq;
        double f;
        if (wavelen < highWavelen) {
            f = 1.0;
        } else if (wavelen > lowWavelen) {
            f = s.factor;
        } else {
            const double smooth = (oldContext / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
            f = 1.0 / ((1.0 - smooth) / s.factor + smooth);
        }
        factors.push_back(static_cast<float>(f));
    }
    return factors;
}

GgufModelBuilder::GgufModelBuilder(const Checkpoint &ckpt, const std::string &name, GgufFileType fileType,
                                   bool quantized)
    : m_ckpt(ckpt), m_config(ckpt.config()), m_arch(ggufArchitecture(ckpt.config()))
{
    const ModelConfig &c = m_config;
    const fs::path dir(ckpt.dir());
    const std::string tokPath = (dir / "tokenizer.json").string();
    if (!fs::is_regular_file(tokPath))
        throw Error(tokPath, "missing: GGUF export needs the model's tokenizer.json");
    const GgufVocab vocab = GgufVocab::fromTokenizerJson(tokPath, c.vocabSize, (dir / "tokenizer_config.json").string());
    m_vocabTokens = static_cast<std::int64_t>(vocab.tokens.size());
    m_map = hfToGguf(c, m_arch == "llama");

    GgufWriter &w = m_writer;
    const auto u32 = [](std::int64_t v) { return static_cast<std::uint32_t>(v); };
    const std::string &arch = m_arch;
    w.addString("general.architecture", arch);
    w.addString("general.name", name.empty() ? dir.filename().string() : name);
    w.addUInt32("general.file_type", static_cast<std::uint32_t>(fileType));
    if (quantized)
        w.addUInt32("general.quantization_version", kGgmlQuantizationVersion);
    w.addUInt32("general.alignment", kGgufAlignment);
    w.addUInt32(arch + ".vocab_size", u32(c.vocabSize));
    w.addUInt32(arch + ".context_length", u32(c.maxPositionEmbeddings));
    w.addUInt32(arch + ".embedding_length", u32(c.hiddenSize));
    w.addUInt32(arch + ".block_count", u32(c.numLayers));
    w.addUInt32(arch + ".feed_forward_length", u32(c.intermediateSize));
    w.addUInt32(arch + ".attention.head_count", u32(c.numHeads));
    w.addUInt32(arch + ".attention.head_count_kv", u32(c.numKvHeads));
    w.addUInt32(arch + ".attention.key_length", u32(c.headDim));
    w.addUInt32(arch + ".attention.value_length", u32(c.headDim));
    w.addUInt32(arch + ".rope.dimension_count", u32(c.headDim));
    w.addFloat32(arch + ".attention.layer_norm_rms_epsilon", static_cast<float>(c.rmsNormEps));
    w.addFloat32(arch + ".rope.freq_base", static_cast<float>(c.ropeTheta));
    if (c.ropeScaling.type == "linear") {
        w.addString(arch + ".rope.scaling.type", "linear");
        w.addFloat32(arch + ".rope.scaling.factor", static_cast<float>(c.ropeScaling.factor));
    }
    w.addString("tokenizer.ggml.model", vocab.model);
    w.addString("tokenizer.ggml.pre", vocab.pre);
    w.addStringArray("tokenizer.ggml.tokens", vocab.tokens);
    if (!vocab.scores.empty())
        w.addFloat32Array("tokenizer.ggml.scores", vocab.scores);
    w.addInt32Array("tokenizer.ggml.token_type", vocab.tokenTypes);
    if (!vocab.merges.empty())
        w.addStringArray("tokenizer.ggml.merges", vocab.merges);
    if (c.bosTokenId)
        w.addUInt32("tokenizer.ggml.bos_token_id", u32(*c.bosTokenId));
    if (!c.eosTokenIds.empty())
        w.addUInt32("tokenizer.ggml.eos_token_id", u32(c.eosTokenIds.front()));
    if (vocab.unk)
        w.addUInt32("tokenizer.ggml.unknown_token_id", u32(*vocab.unk));
    w.addBool("tokenizer.ggml.add_bos_token", vocab.addBos);
    w.addBool("tokenizer.ggml.add_eos_token", false);
}

std::optional<GgufTensorTarget> GgufModelBuilder::target(const std::string &hfName) const
{
    if (hfName.find("rotary_emb.inv_freq") != std::string::npos)
        return std::nullopt; // recomputed by every runtime
    if (hfName == "lm_head.weight" && m_config.tieWordEmbeddings)
        return std::nullopt;
    const auto it = m_map.find(hfName);
    if (it == m_map.end())
        throw Error(m_ckpt.dir(), "tensor '" + hfName + "': no GGUF equivalent for " + m_config.architectureName());
    return it->second;
}

std::vector<std::int64_t> GgufModelBuilder::rowOrder(const GgufTensorTarget &t, std::int64_t rows) const
{
    if (!t.permuteRows) {
        std::vector<std::int64_t> id(static_cast<std::size_t>(rows));
        for (std::int64_t r = 0; r < rows; ++r)
            id[static_cast<std::size_t>(r)] = r;
        return id;
    }
    if (rows != t.heads * m_config.headDim)
        throw Error(m_ckpt.dir(), "tensor " + t.ggufName + ": " + std::to_string(rows) +
                                      " rows, expected heads x head_dim = " + std::to_string(t.heads * m_config.headDim));
    return llamaQkRowOrder(rows, m_config.headDim);
}

void GgufModelBuilder::addTensor(const std::string &hfName, const std::string &ggufName, GgmlType type,
                                 const std::vector<std::int64_t> &shape, GgufWriter::Fill fill)
{
    m_writer.addTensor(ggufName, type, shape, std::move(fill));
    m_added.push_back(hfName);
}

void GgufModelBuilder::finish()
{
    const ModelConfig &c = m_config;
    std::vector<std::string> required{"model.embed_tokens.weight", "model.norm.weight"};
    if (!c.tieWordEmbeddings)
        required.push_back("lm_head.weight");
    for (std::int64_t l = 0; l < c.numLayers; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        for (const char *s : {"input_layernorm", "post_attention_layernorm", "self_attn.q_proj", "self_attn.k_proj",
                              "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"})
            required.push_back(p + s + ".weight");
        if (c.attentionBias)
            for (const char *s : {"q_proj", "k_proj", "v_proj"})
                required.push_back(p + "self_attn." + s + ".bias");
        if (c.qkNorm)
            for (const char *s : {"q_norm", "k_norm"})
                required.push_back(p + "self_attn." + s + ".weight");
    }
    for (const auto &r : required)
        if (std::find(m_added.begin(), m_added.end(), r) == m_added.end())
            throw Error(m_ckpt.dir(), "tensor '" + r + "': missing, but " + c.architectureName() + " needs it");
    if (c.ropeScaling.type == "llama3") {
        const auto factors = llama3RopeFactors(c);
        m_writer.addTensor("rope_freqs.weight", GgmlType::F32, {static_cast<std::int64_t>(factors.size())},
                           [factors](std::byte *dst, std::size_t n) { std::memcpy(dst, factors.data(), n); });
    }
}

} // namespace lieq
