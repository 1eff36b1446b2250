#include "tests/support/tiny_checkpoint.h"

#include "core/io/half.h"
#include "core/io/safetensors.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

namespace lieq::test {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

namespace {

// Short public-domain-style story text: enough repeated words for BPE merges to be meaningful.
const char *const kCorpus =
    "Once upon a time there was a little girl named Lily. She liked to play in the park with her "
    "friends. One day she saw a big red ball under a tree. She ran to the ball and said: \"Look, a "
    "ball! Can we play with it?\" Her friend Tom smiled and they played all day. When the sun went "
    "down, Lily went home to her mom. Her mom gave her a warm hug and a cup of milk. The end. "
    "There was a cat and a dog; the cat was happy, the dog was sad. 1 2 3 4 5 6 7 8 9 0 (x+y)*z.";

// splitmix64 + Box-Muller: identical streams on every platform and standard library.
class Rng
{
public:
    explicit Rng(std::uint64_t seed) : m_state(seed) {}
    std::uint64_t next()
    {
        std::uint64_t z = (m_state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    double uniform() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }
    double normal()
    {
        if (m_haveSpare) {
            m_haveSpare = false;
            return m_spare;
        }
        const double r = std::sqrt(-2.0 * std::log(uniform()));
        const double t = 2.0 * M_PI * uniform();
        m_spare = r * std::sin(t);
        m_haveSpare = true;
        return r * std::cos(t);
    }

private:
    std::uint64_t m_state;
    double m_spare = 0;
    bool m_haveSpare = false;
};

std::uint64_t nameHash(const std::string &s)
{
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : s)
        h = (h ^ c) * 0x100000001b3ull;
    return h;
}

std::string utf8(std::uint32_t cp)
{
    std::string s;
    if (cp < 0x80) {
        s += static_cast<char>(cp);
    } else if (cp < 0x800) {
        s += static_cast<char>(0xc0 | (cp >> 6));
        s += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
        s += static_cast<char>(0xe0 | (cp >> 12));
        s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        s += static_cast<char>(0x80 | (cp & 0x3f));
    }
    return s;
}

// GPT-2's reversible byte -> printable code point table.
std::string byteToUnicode(unsigned b)
{
    if ((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255))
        return utf8(b);
    unsigned n = 0;
    for (unsigned x = 0; x < b; ++x)
        if (!((x >= 33 && x <= 126) || (x >= 161 && x <= 172) || (x >= 174 && x <= 255)))
            ++n;
    return utf8(256 + n);
}

std::vector<std::string> utf8Chars(const std::string &s)
{
    std::vector<std::string> out;
    for (std::size_t i = 0; i < s.size();) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        const std::size_t n = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
        out.push_back(s.substr(i, n));
        i += n;
    }
    return out;
}

// Greedy BPE training: repeatedly merge the most frequent adjacent pair (ties: smallest pair).
std::vector<std::pair<std::string, std::string>> trainMerges(std::vector<std::vector<std::string>> words,
                                                             int count)
{
    std::vector<std::pair<std::string, std::string>> merges;
    for (int m = 0; m < count; ++m) {
        std::map<std::pair<std::string, std::string>, int> freq;
        for (const auto &w : words)
            for (std::size_t i = 0; i + 1 < w.size(); ++i)
                ++freq[{w[i], w[i + 1]}];
        if (freq.empty())
            break;
        auto best = freq.begin();
        for (auto it = freq.begin(); it != freq.end(); ++it)
            if (it->second > best->second)
                best = it;
        const auto pair = best->first;
        merges.push_back(pair);
        for (auto &w : words) {
            std::vector<std::string> out;
            for (std::size_t i = 0; i < w.size(); ++i) {
                if (i + 1 < w.size() && w[i] == pair.first && w[i + 1] == pair.second) {
                    out.push_back(pair.first + pair.second);
                    ++i;
                } else {
                    out.push_back(w[i]);
                }
            }
            w = std::move(out);
        }
    }
    return merges;
}

ojson addedToken(std::int64_t id, const std::string &content)
{
    return ojson{{"id", id},           {"content", content}, {"single_word", false},
                 {"lstrip", false},    {"rstrip", false},    {"normalized", false},
                 {"special", true}};
}

std::string byteLevelTokenizer(int mergeCount, std::int64_t *vocabSize, std::int64_t *bos,
                               std::int64_t *eos)
{
    std::vector<std::vector<std::string>> words;
    const std::string text = kCorpus;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find(' ', start + 1);
        if (end == std::string::npos)
            end = text.size();
        std::vector<std::string> w;
        for (std::size_t i = start; i < end; ++i)
            w.push_back(byteToUnicode(static_cast<unsigned char>(text[i])));
        words.push_back(std::move(w));
        start = end;
    }
    ojson vocab = ojson::object();
    std::int64_t next = 0;
    for (unsigned b = 0; b < 256; ++b)
        vocab[byteToUnicode(b)] = next++;
    ojson merges = ojson::array();
    for (const auto &[a, b] : trainMerges(words, mergeCount)) {
        merges.push_back(a + " " + b);
        if (!vocab.contains(a + b))
            vocab[a + b] = next++;
    }
    *bos = next++;
    *eos = next++;
    *vocabSize = next;
    const ojson byteLevel{{"type", "ByteLevel"}, {"add_prefix_space", false},
                          {"trim_offsets", true}, {"use_regex", true}};
    const ojson tok{
        {"version", "1.0"},
        {"truncation", nullptr},
        {"padding", nullptr},
        {"added_tokens", {addedToken(*bos, "<|begin_of_text|>"), addedToken(*eos, "<|end_of_text|>")}},
        {"normalizer", nullptr},
        {"pre_tokenizer", byteLevel},
        {"post_processor", byteLevel},
        {"decoder", byteLevel},
        {"model",
         {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr},
          {"continuing_subword_prefix", nullptr}, {"end_of_word_suffix", nullptr},
          {"fuse_unk", false}, {"byte_fallback", false}, {"ignore_merges", false},
          {"vocab", vocab}, {"merges", merges}}},
    };
    return tok.dump(1);
}

std::string sentencePieceTokenizer(int mergeCount, std::int64_t *vocabSize, std::int64_t *bos,
                                   std::int64_t *eos)
{
    const std::string space = "\xe2\x96\x81"; // U+2581, sentencepiece's word marker
    std::string text = kCorpus;
    std::vector<std::vector<std::string>> words;
    std::set<std::string> chars;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find(' ', start);
        if (end == std::string::npos)
            end = text.size();
        std::vector<std::string> w{space};
        for (const auto &c : utf8Chars(text.substr(start, end - start))) {
            w.push_back(c);
            chars.insert(c);
        }
        words.push_back(std::move(w));
        start = end + 1;
    }
    chars.insert(space);
    ojson vocab = ojson::object();
    vocab["<unk>"] = 0;
    vocab["<s>"] = 1;
    vocab["</s>"] = 2;
    std::int64_t next = 3;
    for (unsigned b = 0; b < 256; ++b) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "<0x%02X>", b);
        vocab[buf] = next++;
    }
    for (const auto &c : chars)
        vocab[c] = next++;
    ojson merges = ojson::array();
    for (const auto &[a, b] : trainMerges(words, mergeCount)) {
        merges.push_back({a, b});
        if (!vocab.contains(a + b))
            vocab[a + b] = next++;
    }
    *bos = 1;
    *eos = 2;
    *vocabSize = next;
    const ojson tok{
        {"version", "1.0"},
        {"truncation", nullptr},
        {"padding", nullptr},
        {"added_tokens", {addedToken(0, "<unk>"), addedToken(1, "<s>"), addedToken(2, "</s>")}},
        {"normalizer",
         {{"type", "Sequence"},
          {"normalizers",
           {{{"type", "Prepend"}, {"prepend", space}},
            {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", space}}}}}},
        {"pre_tokenizer", nullptr},
        {"post_processor", nullptr},
        {"decoder",
         {{"type", "Sequence"},
          {"decoders",
           {{{"type", "Replace"}, {"pattern", {{"String", space}}}, {"content", " "}},
            {{"type", "ByteFallback"}},
            {{"type", "Fuse"}},
            {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}}},
        {"model",
         {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", "<unk>"},
          {"continuing_subword_prefix", nullptr}, {"end_of_word_suffix", nullptr},
          {"fuse_unk", true}, {"byte_fallback", true}, {"ignore_merges", false},
          {"vocab", vocab}, {"merges", merges}}},
    };
    return tok.dump(1);
}

std::int64_t headDimOf(const TinyModelSpec &s) { return s.headDim > 0 ? s.headDim : s.hidden / s.heads; }

// Bytes of `values` in the checkpoint dtype.
std::string encode(const std::vector<float> &values, lieq::DType dtype)
{
    std::string out(values.size() * lieq::dtypeSize(dtype), '\0');
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (dtype == lieq::DType::F32) {
            std::memcpy(out.data() + 4 * i, &values[i], 4);
        } else {
            const std::uint16_t h = dtype == lieq::DType::F16 ? lieq::floatToHalf(values[i])
                                                              : lieq::floatToBf16(values[i]);
            std::memcpy(out.data() + 2 * i, &h, 2);
        }
    }
    return out;
}

std::vector<float> randomValues(const TinyModelSpec &spec, const TinyTensor &t)
{
    std::int64_t n = 1;
    for (auto d : t.shape)
        n *= d;
    Rng rng(spec.seed * 0x9e3779b97f4a7c15ull ^ nameHash(t.name));
    std::vector<float> v(static_cast<std::size_t>(n));
    const auto endsWith = [&](const char *suffix) {
        const std::string s(suffix);
        return t.name.size() >= s.size() && t.name.compare(t.name.size() - s.size(), s.size(), s) == 0;
    };
    if (endsWith("norm.weight")) {
        for (auto &x : v)
            x = static_cast<float>(1.0 + 0.1 * rng.normal());
    } else if (endsWith(".bias")) {
        for (auto &x : v)
            x = static_cast<float>(0.1 * rng.normal());
    } else if (t.name == "model.embed_tokens.weight") {
        for (auto &x : v)
            x = static_cast<float>(rng.normal());
    } else {
        const double stdDev = spec.weightScale / std::sqrt(static_cast<double>(t.shape.back()));
        for (auto &x : v)
            x = static_cast<float>(stdDev * rng.normal());
    }
    return v;
}

std::string dtypeJsonName(lieq::DType t)
{
    switch (t) {
    case lieq::DType::F16: return "float16";
    case lieq::DType::BF16: return "bfloat16";
    default: return "float32";
    }
}

void writeJson(const fs::path &p, const ojson &j) { lieq::writeFileAtomic(p.string(), j.dump(2) + "\n"); }

} // namespace

std::string tinyTokenizerJson(TinyTokenizer kind, int merges, std::int64_t *vocabSize,
                              std::int64_t *bos, std::int64_t *eos)
{
    if (kind == TinyTokenizer::SentencePiece)
        return sentencePieceTokenizer(merges, vocabSize, bos, eos);
    return byteLevelTokenizer(merges, vocabSize, bos, eos);
}

std::string tinyConfigJson(const TinyModelSpec &s, std::int64_t vocabSize)
{
    const bool byteLevel = s.tokenizer != TinyTokenizer::SentencePiece;
    ojson c{
        {"architectures", {s.arch == "qwen2"   ? "Qwen2ForCausalLM"
                           : s.arch == "qwen3" ? "Qwen3ForCausalLM"
                           : s.arch == "mistral" ? "MistralForCausalLM"
                                                 : "LlamaForCausalLM"}},
        {"model_type", s.arch},
        {"vocab_size", vocabSize},
        {"hidden_size", s.hidden},
        {"intermediate_size", s.intermediate},
        {"num_hidden_layers", s.layers},
        {"num_attention_heads", s.heads},
        {"num_key_value_heads", s.kvHeads},
        {"hidden_act", "silu"},
        {"max_position_embeddings", s.maxPositions},
        {"rms_norm_eps", s.rmsNormEps},
        {"rope_theta", s.ropeTheta},
        {"tie_word_embeddings", s.tied},
        {"initializer_range", 0.02},
        {"torch_dtype", dtypeJsonName(s.dtype)},
        {"use_cache", true},
    };
    if (s.headDim > 0)
        c["head_dim"] = s.headDim;
    if (s.arch != "qwen2" && s.arch != "mistral")
        c["attention_bias"] = s.attentionBias;
    if (s.arch == "llama")
        c["mlp_bias"] = false;
    if (s.arch == "qwen2" || s.arch == "qwen3")
        c["use_sliding_window"] = false;
    if (s.arch == "mistral")
        c["sliding_window"] = nullptr;
    c["rope_scaling"] = nullptr;
    if (s.llama3RopeScaling)
        c["rope_scaling"] = {{"rope_type", "llama3"}, {"factor", 8.0}, {"low_freq_factor", 1.0},
                             {"high_freq_factor", 4.0}, {"original_max_position_embeddings", 64}};
    // Token ids as the tokenizer generator assigns them.
    std::int64_t n = 0, bos = 0, eos = 0;
    if (s.tokenizer != TinyTokenizer::None) {
        tinyTokenizerJson(s.tokenizer, s.merges, &n, &bos, &eos);
        c["bos_token_id"] = bos;
        c["eos_token_id"] = eos;
    } else {
        c["bos_token_id"] = byteLevel ? 1 : 1;
        c["eos_token_id"] = 2;
    }
    return c.dump(2) + "\n";
}

std::vector<TinyTensor> tinyTensorList(const TinyModelSpec &s, std::int64_t vocabSize)
{
    const std::int64_t hd = headDimOf(s);
    const std::int64_t q = s.heads * hd, kv = s.kvHeads * hd;
    const bool bias = s.arch == "qwen2" || s.attentionBias;
    std::vector<TinyTensor> t;
    t.push_back({"model.embed_tokens.weight", {vocabSize, s.hidden}});
    for (std::int64_t l = 0; l < s.layers; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        t.push_back({p + "input_layernorm.weight", {s.hidden}});
        t.push_back({p + "self_attn.q_proj.weight", {q, s.hidden}});
        t.push_back({p + "self_attn.k_proj.weight", {kv, s.hidden}});
        t.push_back({p + "self_attn.v_proj.weight", {kv, s.hidden}});
        if (bias) {
            t.push_back({p + "self_attn.q_proj.bias", {q}});
            t.push_back({p + "self_attn.k_proj.bias", {kv}});
            t.push_back({p + "self_attn.v_proj.bias", {kv}});
        }
        if (s.arch == "qwen3") {
            t.push_back({p + "self_attn.q_norm.weight", {hd}});
            t.push_back({p + "self_attn.k_norm.weight", {hd}});
        }
        t.push_back({p + "self_attn.o_proj.weight", {s.hidden, q}});
        t.push_back({p + "post_attention_layernorm.weight", {s.hidden}});
        t.push_back({p + "mlp.gate_proj.weight", {s.intermediate, s.hidden}});
        t.push_back({p + "mlp.up_proj.weight", {s.intermediate, s.hidden}});
        t.push_back({p + "mlp.down_proj.weight", {s.hidden, s.intermediate}});
    }
    t.push_back({"model.norm.weight", {s.hidden}});
    if (!s.tied)
        t.push_back({"lm_head.weight", {vocabSize, s.hidden}});
    return t;
}

std::string writeTinyCheckpoint(const std::string &dir, const TinyModelSpec &spec)
{
    fs::create_directories(dir);
    const fs::path root(dir);
    std::int64_t tokVocab = 0, bos = 1, eos = 2;
    if (spec.tokenizer != TinyTokenizer::None) {
        const std::string tok = tinyTokenizerJson(spec.tokenizer, spec.merges, &tokVocab, &bos, &eos);
        lieq::writeFileAtomic((root / "tokenizer.json").string(), tok);
        const bool sp = spec.tokenizer == TinyTokenizer::SentencePiece;
        writeJson(root / "tokenizer_config.json",
                  {{"add_bos_token", sp}, {"add_eos_token", false},
                   {"bos_token", sp ? "<s>" : "<|begin_of_text|>"},
                   {"eos_token", sp ? "</s>" : "<|end_of_text|>"},
                   {"model_max_length", spec.maxPositions},
                   {"tokenizer_class", sp ? "LlamaTokenizerFast" : "PreTrainedTokenizerFast"}});
    }
    const std::int64_t vocab = spec.vocabSize > 0 ? spec.vocabSize : (tokVocab > 0 ? tokVocab : 256);
    if (vocab < tokVocab)
        throw lieq::Error(dir, "vocabSize " + std::to_string(vocab) + " is smaller than the tokenizer's " +
                                   std::to_string(tokVocab));
    lieq::writeFileAtomic((root / "config.json").string(), tinyConfigJson(spec, vocab));
    writeJson(root / "generation_config.json",
              {{"bos_token_id", bos}, {"eos_token_id", eos}, {"do_sample", false}});

    const auto list = tinyTensorList(spec, vocab);
    std::vector<std::string> bytes;
    bytes.reserve(list.size());
    for (const auto &t : list)
        bytes.push_back(encode(randomValues(spec, t), spec.dtype));
    const std::map<std::string, std::string> meta{{"format", "pt"}};
    const int shards = std::max(1, spec.shards);
    if (shards == 1) {
        std::vector<lieq::TensorToWrite> w;
        for (std::size_t i = 0; i < list.size(); ++i)
            w.push_back({list[i].name, spec.dtype, list[i].shape, bytes[i].data(), bytes[i].size()});
        lieq::writeSafetensors((root / "model.safetensors").string(), w, meta);
        return dir;
    }
    ojson weightMap = ojson::object();
    std::uint64_t total = 0;
    for (int s = 0; s < shards; ++s) {
        char name[64];
        std::snprintf(name, sizeof name, "model-%05d-of-%05d.safetensors", s + 1, shards);
        std::vector<lieq::TensorToWrite> w;
        // Contiguous ranges of the tensor list, as transformers shards by size in order.
        const std::size_t from = list.size() * s / shards, to = list.size() * (s + 1) / shards;
        for (std::size_t i = from; i < to; ++i) {
            w.push_back({list[i].name, spec.dtype, list[i].shape, bytes[i].data(), bytes[i].size()});
            weightMap[list[i].name] = name;
            total += bytes[i].size();
        }
        lieq::writeSafetensors((root / name).string(), w, meta);
    }
    writeJson(root / "model.safetensors.index.json",
              {{"metadata", {{"total_size", total}}}, {"weight_map", weightMap}});
    return dir;
}

void writeRawSafetensors(const std::string &path, const std::string &header, const std::string &data,
                         long long declaredHeaderLen)
{
    const std::uint64_t len = declaredHeaderLen < 0 ? header.size()
                                                    : static_cast<std::uint64_t>(declaredHeaderLen);
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i)
        out[i] = static_cast<char>((len >> (8 * i)) & 0xff);
    lieq::writeFileAtomic(path, out + header + data);
}

std::string corruptSafetensors(const std::string &path, Corruption c)
{
    const std::string file = lieq::readFile(path);
    std::uint64_t len = 0;
    for (int i = 7; i >= 0; --i)
        len = (len << 8) | static_cast<unsigned char>(file[i]);
    ojson header = ojson::parse(file.substr(8, len));
    std::string data = file.substr(8 + len);

    struct Entry
    {
        std::string name;
        std::uint64_t begin, end;
    };
    std::vector<Entry> byOffset;
    for (auto it = header.begin(); it != header.end(); ++it)
        if (it.key() != "__metadata__")
            byOffset.push_back({it.key(), it.value()["data_offsets"][0].get<std::uint64_t>(),
                                it.value()["data_offsets"][1].get<std::uint64_t>()});
    std::sort(byOffset.begin(), byOffset.end(), [](auto &a, auto &b) { return a.begin < b.begin; });
    if (byOffset.size() < 2)
        throw lieq::Error(path, "corruptSafetensors needs at least two tensors");
    const Entry &first = byOffset.front();
    const Entry &second = byOffset[1];
    const Entry &last = byOffset.back();

    switch (c) {
    case Corruption::Truncated:
        writeRawSafetensors(path, header.dump(), data.substr(0, data.size() - 5));
        return last.name;
    case Corruption::HeaderLies:
        writeRawSafetensors(path, header.dump(), data, static_cast<long long>(file.size()));
        return {};
    case Corruption::HugeHeader:
        writeRawSafetensors(path, header.dump(), data, 1ll << 40);
        return {};
    case Corruption::Overlap: {
        const std::uint64_t b = first.begin + (first.end - first.begin) / 2;
        header[second.name]["data_offsets"] = {b, b + (second.end - second.begin)};
        writeRawSafetensors(path, header.dump(), data);
        return second.name;
    }
    case Corruption::WrongDtypeSize: {
        auto &dt = header[first.name]["dtype"];
        dt = dt.get<std::string>() == "F32" ? "F16" : "F32";
        writeRawSafetensors(path, header.dump(), data);
        return first.name;
    }
    case Corruption::BadJson:
        writeRawSafetensors(path, "{\"" + first.name + "\": {\"dtype\": \"F32\", ", data);
        return {};
    case Corruption::DuplicateName: {
        const std::string entry = "\"" + first.name + "\":" + header[first.name].dump() + ",";
        std::string text = header.dump();
        text.insert(1, entry);
        writeRawSafetensors(path, text, data);
        return first.name;
    }
    case Corruption::UnknownDtype:
        header[first.name]["dtype"] = "F8_E9M9";
        writeRawSafetensors(path, header.dump(), data);
        return first.name;
    case Corruption::OffsetsPastEnd: {
        const std::uint64_t n = last.end - last.begin;
        header[last.name]["data_offsets"] = {data.size() + 8 - n, data.size() + 8};
        writeRawSafetensors(path, header.dump(), data);
        return last.name;
    }
    case Corruption::ReversedOffsets:
        header[first.name]["data_offsets"] = {first.end + 1, first.begin};
        writeRawSafetensors(path, header.dump(), data);
        return first.name;
    }
    return {};
}

} // namespace lieq::test
