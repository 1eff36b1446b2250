// Parsing of tokenizer.json into Tokenizer::Impl. Only configurations whose behaviour is
// implemented exactly are accepted; everything else is a lieq::Error naming the file and the
// unsupported part, so a model never silently tokenizes differently from HF.

#include "core/tokenizer/tokenizer_impl.h"
#include "core/tokenizer/unicode_text.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_text.h"

#include <nlohmann/json.hpp>

#include <filesystem>

namespace lieq {

namespace {

using nlohmann::json;

struct Loader
{
    const std::string &path;
    Tokenizer::Impl &d;
    bool byteLevelPre = false;
    int32_t maxId = -1; // highest id of the model vocab and the added tokens

    [[noreturn]] void fail(const std::string &what) const { throw Error(path, what); }

    const json &need(const json &obj, const char *key, const std::string &where) const
    {
        if (!obj.is_object() || !obj.contains(key)) fail(where + ": missing field \"" + key + "\"");
        return obj.at(key);
    }

    std::string str(const json &obj, const char *key, const std::string &where) const
    {
        const json &v = need(obj, key, where);
        if (!v.is_string()) fail(where + "." + key + ": expected a string");
        return v.get<std::string>();
    }

    static bool flag(const json &obj, const char *key, bool fallback)
    {
        return obj.contains(key) && obj.at(key).is_boolean() ? obj.at(key).get<bool>() : fallback;
    }

    // Optional string / small integer fields: absent (or null) gives the fallback, a value of the
    // wrong type is an error naming the field (nlohmann's value() would throw its own exception,
    // and convert 1e300 to int with undefined behaviour).
    std::string strOr(const json &obj, const char *key, const std::string &fallback,
                      const std::string &where) const
    {
        if (!obj.is_object() || !obj.contains(key) || obj.at(key).is_null()) return fallback;
        if (!obj.at(key).is_string()) fail(where + "." + key + ": expected a string");
        return obj.at(key).get<std::string>();
    }

    int intOr(const json &obj, const char *key, int fallback, const std::string &where) const
    {
        if (!obj.is_object() || !obj.contains(key) || obj.at(key).is_null()) return fallback;
        const json &v = obj.at(key);
        if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > (1 << 24))
            fail(where + "." + key + ": expected a small non-negative integer, got " + v.dump());
        return static_cast<int>(v.get<int64_t>());
    }

    // Sequence steps nest; real files nest one or two levels. A bound keeps a hostile file from
    // exhausting the stack through the recursive readers below.
    struct Nesting
    {
        int &depth;
        Nesting(Loader &l, const std::string &where) : depth(l.depth)
        {
            if (++depth <= kMaxNesting) return;
            --depth;
            l.fail(where + ": Sequence nested too deeply");
        }
        ~Nesting() { --depth; }
        Nesting(const Nesting &) = delete;
        Nesting &operator=(const Nesting &) = delete;
    };
    static constexpr int kMaxNesting = 32;
    int depth = 0;

    std::string stringPattern(const json &step, const std::string &where) const
    {
        const json &p = need(step, "pattern", where);
        if (p.contains("String") && p.at("String").is_string())
            return p.at("String").get<std::string>();
        fail(where + ": only literal String patterns are supported, got " + p.dump());
    }

    // A step of a normalizer, pre-tokenizer, decoder or post-processor: true with its `type` to
    // handle, or false when nothing is left to do -- the step is null, or a Sequence whose
    // `listKey` steps have each been handed to `each` (nesting bounded).
    bool singleStep(const json &step, const char *listKey, const std::string &where,
                    std::string &type, void (Loader::*each)(const json &, const std::string &))
    {
        if (step.is_null()) return false;
        type = str(step, "type", where);
        if (type != "Sequence") return true;
        const Nesting guard(*this, where);
        for (const json &inner : need(step, listKey, where))
            (this->*each)(inner, where + "." + listKey);
        return false;
    }

    void normalizer(const json &n, const std::string &where)
    {
        std::string type;
        if (!singleStep(n, "normalizers", where, type, &Loader::normalizer)) return;
        using K = Tokenizer::Impl::NormStep::Kind;
        if (type == "NFC") {
            d.normalizer.push_back({K::Nfc, {}, {}});
        } else if (type == "Prepend") {
            d.normalizer.push_back({K::Prepend, str(n, "prepend", where), {}});
        } else if (type == "Replace") {
            d.normalizer.push_back({K::Replace, stringPattern(n, where), str(n, "content", where)});
        } else {
            fail(where + ": unsupported normalizer type \"" + type + "\"");
        }
    }

    void preTokenizer(const json &p, const std::string &where)
    {
        std::string type;
        if (!singleStep(p, "pretokenizers", where, type, &Loader::preTokenizer)) return;
        if (type == "ByteLevel") {
            byteLevelPre = true;
            d.preTokenizer.setByteLevelPrefixSpace(flag(p, "add_prefix_space", false));
            if (flag(p, "use_regex", true)) d.preTokenizer.addSplit(tok::SplitPattern::Gpt2);
        } else if (type == "Split") {
            const json &pattern = need(p, "pattern", where);
            if (!pattern.contains("Regex") || !pattern.at("Regex").is_string())
                fail(where + ": Split needs a Regex pattern, got " + pattern.dump());
            const std::string regex = pattern.at("Regex").get<std::string>();
            const auto known = tok::recognisePattern(regex);
            if (!known)
                fail(where + ": unknown pre-tokenizer Split pattern \"" + regex +
                     "\" (supported: the GPT-2, Llama-3 and Qwen2 patterns)");
            const std::string behavior = strOr(p, "behavior", "Isolated", where);
            if (behavior != "Isolated" || flag(p, "invert", false))
                fail(where + ": Split behavior \"" + behavior + "\" / invert is not supported");
            d.preTokenizer.addSplit(*known);
        } else if (type == "Metaspace") {
            const std::string scheme = strOr(
                p, "prepend_scheme", flag(p, "add_prefix_space", true) ? "always" : "never", where);
            using P = tok::PreTokenizer::Prepend;
            if (scheme != "always" && scheme != "first" && scheme != "never")
                fail(where + ": unknown Metaspace prepend_scheme \"" + scheme + "\"");
            d.preTokenizer.setMetaspace(strOr(p, "replacement", "\u2581", where),
                                        scheme == "always"  ? P::Always
                                        : scheme == "first" ? P::First
                                                            : P::Never,
                                        flag(p, "split", true));
        } else {
            fail(where + ": unsupported pre-tokenizer type \"" + type + "\"");
        }
    }

    void decoder(const json &n, const std::string &where)
    {
        std::string type;
        if (!singleStep(n, "decoders", where, type, &Loader::decoder)) return;
        using K = tok::TokenDecoder::Step::Kind;
        tok::TokenDecoder::Step s{K::Fuse, {}, {}, 0, 0, false};
        if (type == "ByteLevel") {
            s.kind = K::ByteLevel;
        } else if (type == "Replace") {
            s.kind = K::Replace;
            s.pattern = stringPattern(n, where);
            s.content = str(n, "content", where);
        } else if (type == "ByteFallback") {
            s.kind = K::ByteFallback;
        } else if (type == "Fuse") {
            s.kind = K::Fuse;
        } else if (type == "Strip") {
            s.kind = K::Strip;
            s.pattern = str(n, "content", where);
            s.start = intOr(n, "start", 0, where);
            s.stop = intOr(n, "stop", 0, where);
        } else if (type == "Metaspace") {
            s.kind = K::Metaspace;
            s.pattern = strOr(n, "replacement", "\u2581", where);
            const std::string scheme = strOr(n, "prepend_scheme", "always", where);
            s.prependFirst = flag(n, "add_prefix_space", true) && scheme != "never";
        } else {
            fail(where + ": unsupported decoder type \"" + type + "\"");
        }
        d.decoder.addStep(std::move(s));
    }

    int32_t tokenId(const std::string &content, const std::string &where) const
    {
        auto it = d.vocab.find(content);
        if (it == d.vocab.end()) fail(where + ": token \"" + content + "\" is not in the vocab");
        return it->second;
    }

    void postProcessor(const json &p, const std::string &where)
    {
        std::string type;
        if (!singleStep(p, "processors", where, type, &Loader::postProcessor)) return;
        if (type == "ByteLevel") {
            // offsets only
        } else if (type == "TemplateProcessing") {
            d.prefix.clear();
            d.suffix.clear();
            const json specials = p.contains("special_tokens") && p.at("special_tokens").is_object()
                                      ? p.at("special_tokens")
                                      : json::object();
            bool seenSequence = false;
            for (const json &item : need(p, "single", where)) {
                if (item.contains("Sequence")) {
                    seenSequence = true;
                    continue;
                }
                if (!item.contains("SpecialToken"))
                    fail(where + ".single: unexpected item " + item.dump());
                const std::string name = str(item.at("SpecialToken"), "id", where + ".single");
                std::vector<int32_t> ids;
                if (specials.contains(name) && specials.at(name).is_object() &&
                    specials.at(name).contains("ids")) {
                    const json &list = specials.at(name).at("ids");
                    if (!list.is_array()) fail(where + ".special_tokens: ids of " + name + " is not a list");
                    for (const json &id : list) {
                        if (!id.is_number_integer() || id.get<int64_t>() < 0 ||
                            id.get<int64_t>() > (1 << 24))
                            fail(where + ".special_tokens: bad id " + id.dump() + " for " + name);
                        ids.push_back(static_cast<int32_t>(id.get<int64_t>()));
                    }
                } else
                    ids.push_back(tokenId(name, where + ".single"));
                auto &target = seenSequence ? d.suffix : d.prefix;
                target.insert(target.end(), ids.begin(), ids.end());
            }
        } else {
            fail(where + ": unsupported post-processor type \"" + type + "\"");
        }
    }

    void model(const json &m)
    {
        const std::string type = strOr(m, "type", "BPE", "model");
        if (type != "BPE") fail("model.type \"" + type + "\" is not supported (only BPE)");
        if (m.contains("dropout") && !m.at("dropout").is_null())
            fail("model.dropout is not supported");
        for (const char *key : {"continuing_subword_prefix", "end_of_word_suffix"})
            if (m.contains(key) && m.at(key).is_string() && !m.at(key).get<std::string>().empty())
                fail(std::string("model.") + key + " is not supported");
        const json &vocab = need(m, "vocab", "model");
        if (!vocab.is_object()) fail("model.vocab: expected an object of token -> id");
        d.vocab.reserve(vocab.size() + 1024);
        for (auto it = vocab.begin(); it != vocab.end(); ++it) {
            if (!it.value().is_number_integer())
                fail("model.vocab: id of \"" + it.key() + "\" is not an integer");
            const int64_t id = it.value().get<int64_t>();
            if (id < 0 || id > (1 << 24))
                fail("model.vocab: id " + std::to_string(id) + " out of range");
            d.vocab.emplace(it.key(), static_cast<int32_t>(id));
            maxId = std::max(maxId, static_cast<int32_t>(id));
        }
        std::vector<std::pair<std::string, std::string>> merges;
        const json &list = need(m, "merges", "model");
        merges.reserve(list.size());
        for (const json &e : list) {
            if (e.is_string()) {
                const std::string s = e.get<std::string>();
                const std::size_t sp = s.find(' ');
                if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos)
                    fail("model.merges: \"" + s + "\" is not two tokens separated by one space");
                merges.emplace_back(s.substr(0, sp), s.substr(sp + 1));
            } else if (e.is_array() && e.size() == 2 && e[0].is_string() && e[1].is_string()) {
                merges.emplace_back(e[0].get<std::string>(), e[1].get<std::string>());
            } else {
                fail("model.merges: bad entry " + e.dump());
            }
            d.merges.push_back(merges.back().first + " " + merges.back().second);
        }
        if (m.contains("unk_token") && m.at("unk_token").is_string())
            d.unk = tokenId(m.at("unk_token").get<std::string>(), "model.unk_token");

        tok::BpeModel::Options o;
        o.byteLevel = byteLevelPre;
        o.byteFallback = flag(m, "byte_fallback", false);
        o.fuseUnk = flag(m, "fuse_unk", false);
        o.ignoreMerges = flag(m, "ignore_merges", false);
        o.unkId = d.unk;
        try {
            d.model.build(d.vocab, merges, o);
        } catch (const Error &e) {
            fail(std::string("model.merges: ") + e.what());
        }
    }

    void addedTokens(const json &list, std::vector<tok::AddedToken> &out)
    {
        for (const json &t : list) {
            tok::AddedToken a;
            a.content = str(t, "content", "added_tokens");
            const json &id = need(t, "id", "added_tokens");
            if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > (1 << 24))
                fail("added_tokens: bad id for \"" + a.content + "\"");
            a.id = id.get<int32_t>();
            maxId = std::max(maxId, a.id);
            a.special = flag(t, "special", false);
            a.normalized = flag(t, "normalized", !a.special);
            a.lstrip = flag(t, "lstrip", false);
            a.rstrip = flag(t, "rstrip", false);
            a.singleWord = flag(t, "single_word", false);
            out.push_back(a);
            d.vocab[a.content] = a.id;
        }
    }

    std::optional<int32_t> configToken(const json &cfg, const char *key)
    {
        if (!cfg.contains(key)) return std::nullopt;
        const json &v = cfg.at(key);
        std::string name;
        if (v.is_string())
            name = v.get<std::string>();
        else if (v.is_object() && v.contains("content") && v.at("content").is_string())
            name = v.at("content").get<std::string>();
        else
            return std::nullopt;
        auto it = d.vocab.find(name);
        return it == d.vocab.end() ? std::nullopt : std::optional<int32_t>(it->second);
    }

    void tokenizerConfig(const std::vector<tok::AddedToken> &added)
    {
        const auto cfgPath = std::filesystem::path(path).parent_path() / "tokenizer_config.json";
        json cfg = json::object();
        if (std::filesystem::exists(cfgPath)) {
            cfg = parseJson(readFile(cfgPath.string()), cfgPath.string(), "invalid JSON: ");
        }
        d.bos = configToken(cfg, "bos_token");
        d.eos = configToken(cfg, "eos_token");
        d.pad = configToken(cfg, "pad_token");
        if (auto unk = configToken(cfg, "unk_token"); unk && !d.unk) d.unk = unk;
        if (!cfg.contains("bos_token") && !d.prefix.empty()) d.bos = d.prefix.front();
        if (!cfg.contains("eos_token")) // no config: the usual end-of-text names
            for (const char *name : {"</s>", "<|end_of_text|>", "<|endoftext|>"})
                if (auto it = d.vocab.find(name); it != d.vocab.end()) {
                    d.eos = it->second;
                    break;
                }
        // transformers' Llama-style tokenizers rebuild the template from add_bos/add_eos_token.
        auto apply = [&](const char *key, std::optional<int32_t> id, std::vector<int32_t> &side,
                         bool front) {
            if (!id || !cfg.contains(key) || !cfg.at(key).is_boolean()) return;
            const bool want = cfg.at(key).get<bool>();
            const bool has = !side.empty() && (front ? side.front() : side.back()) == *id;
            if (want && !has)
                side.insert(front ? side.begin() : side.end(), *id);
            else if (!want && has)
                side.erase(front ? side.begin() : side.end() - 1);
        };
        apply("add_bos_token", d.bos, d.prefix, true);
        apply("add_eos_token", d.eos, d.suffix, false);
        (void)added;
    }

    void load()
    {
        json root;
        try {
            root = json::parse(readFile(path));
        } catch (const json::exception &e) {
            fail(std::string("invalid JSON: ") + e.what());
        }
        if (!root.is_object()) fail("not a tokenizer.json (top level is not an object)");
        try {
            parse(root);
        } catch (const json::exception &e) { // a field of an unexpected type we did not check
            fail(std::string("unexpected content: ") + e.what());
        }
    }

    void parse(const json &root)
    {
        const json &m = need(root, "model", "tokenizer.json");
        preTokenizer(root.value("pre_tokenizer", json()), "pre_tokenizer");
        normalizer(root.value("normalizer", json()), "normalizer");
        model(m);
        std::vector<tok::AddedToken> added;
        addedTokens(root.value("added_tokens", json::array()), added);
        decoder(root.value("decoder", json()), "decoder");
        postProcessor(root.value("post_processor", json()), "post_processor");

        d.kind = byteLevelPre ? TokenizerKind::ByteLevelBpe : TokenizerKind::SentencePieceBpe;
        d.preName = d.preTokenizer.splits().empty()
                        ? "default"
                        : tok::patternName(d.preTokenizer.splits().back());

        // From the ids as written: an added token may reuse a vocab string under another id, so
        // the name -> id map alone would miss the vocab's id.
        const int32_t size = maxId + 1;
        for (const auto *ids : {&d.prefix, &d.suffix})
            for (int32_t id : *ids)
                if (id >= size)
                    fail("post_processor: special token id " + std::to_string(id) +
                         " is beyond the vocab (" + std::to_string(size) + " ids)");
        d.tokens.assign(size, {});
        d.types.assign(size, TokenType::Unused);
        d.special.assign(size, false);
        for (const auto &[token, id] : m.at("vocab").items()) {
            const int32_t i = id.get<int32_t>();
            d.tokens[i] = token;
            d.types[i] = TokenType::Normal;
            if (d.kind == TokenizerKind::SentencePieceBpe && token.size() == 6 &&
                token.compare(0, 3, "<0x") == 0 && token[5] == '>')
                d.types[i] = TokenType::Byte;
        }
        std::vector<tok::AddedToken> raw, normalized;
        for (auto &a : added) {
            d.tokens[a.id] = a.content;
            d.types[a.id] = a.special ? TokenType::Control : TokenType::UserDefined;
            d.special[a.id] = a.special;
            if (a.normalized && !d.normalizer.empty()) {
                a.content = d.normalize(a.content); // HF matches these on normalized text
                normalized.push_back(a);
            } else {
                raw.push_back(a);
            }
        }
        for (int32_t i = 0; i < size; ++i)
            if (d.types[i] == TokenType::Unused) d.tokens[i] = "[PAD" + std::to_string(i) + "]";
        d.rawAdded.build(raw);
        d.normalizedAdded.build(normalized);
        tokenizerConfig(added);
        if (d.unk && *d.unk < size) d.types[*d.unk] = TokenType::Unknown;
    }
};

} // namespace

void loadTokenizer(const std::string &path, Tokenizer::Impl &impl)
{
    impl.path = path;
    Loader{path, impl}.load();
}

} // namespace lieq
