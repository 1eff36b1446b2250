#include "core/tokenizer/tokenizer.h"

#include "core/tokenizer/tokenizer_impl.h"
#include "core/tokenizer/unicode_text.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <filesystem>

namespace lieq {

std::string Tokenizer::Impl::normalize(std::string_view text) const
{
    std::string s(text);
    for (const NormStep &step : normalizer) {
        switch (step.kind) {
        case NormStep::Kind::Nfc:
            s = tok::toNfc(s);
            break;
        case NormStep::Kind::Prepend:
            if (!s.empty()) // HF prepends only to non-empty text
                s.insert(0, step.a);
            break;
        case NormStep::Kind::Replace: {
            if (step.a.empty() || s.find(step.a) == std::string::npos) break;
            std::string out;
            out.reserve(s.size() + s.size() / 4);
            std::size_t pos = 0, hit;
            while ((hit = s.find(step.a, pos)) != std::string::npos) {
                out.append(s, pos, hit - pos);
                out.append(step.b);
                pos = hit + step.a.size();
            }
            out.append(s, pos, std::string::npos);
            s = std::move(out);
            break;
        }
        }
    }
    return s;
}

void Tokenizer::Impl::encodeText(std::string_view text, std::vector<int32_t> &ids,
                                 bool atInputStart) const
{
    std::vector<std::string_view> pieces;
    std::string storage;
    preTokenizer.split(text, pieces, storage, atInputStart);
    for (auto piece : pieces)
        model.encodeWord(piece, ids);
}

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer &&) noexcept = default;
Tokenizer &Tokenizer::operator=(Tokenizer &&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Tokenizer Tokenizer::fromFile(const std::string &tokenizerJsonPath)
{
    auto impl = std::make_unique<Impl>();
    loadTokenizer(tokenizerJsonPath, *impl);
    return Tokenizer(std::move(impl));
}

Tokenizer Tokenizer::fromModelDir(const std::string &dir)
{
    const std::string path = (std::filesystem::path(dir) / "tokenizer.json").string();
    if (!std::filesystem::exists(path)) {
        const bool spm = std::filesystem::exists(std::filesystem::path(dir) / "tokenizer.model");
        throw Error(path, spm ? "no tokenizer.json (only a sentencepiece tokenizer.model, which is "
                                "not supported: convert it with transformers to tokenizer.json)"
                              : "no tokenizer.json in the model folder");
    }
    Tokenizer t = fromFile(path);
    // The model's embedding has vocab_size rows: a tokenizer with more ids would index past it
    // (usually a tokenizer.json from another model copied into the folder).
    const std::filesystem::path configPath = std::filesystem::path(dir) / "config.json";
    std::error_code ec;
    if (std::filesystem::is_regular_file(configPath, ec)) {
        nlohmann::json config;
        try {
            config = nlohmann::json::parse(readFile(configPath.string()));
        } catch (const nlohmann::json::exception &) {
            return t; // config.json's own reader reports a broken file
        }
        const auto it = config.is_object() ? config.find("vocab_size") : config.end();
        if (it != config.end() && it->is_number_integer() && it->get<std::int64_t>() > 0 &&
            t.vocabSize() > it->get<std::int64_t>())
            throw Error(path, "defines " + std::to_string(t.vocabSize()) +
                                  " token ids but config.json's vocab_size is " +
                                  std::to_string(it->get<std::int64_t>()) +
                                  " (the embedding has that many rows): tokenizer and model do "
                                  "not belong together");
    }
    return t;
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool addSpecial) const
{
    const Impl &d = *m_impl;
    std::string repaired;
    if (!tok::isValidUtf8(text)) { // HF only sees valid strings; repair like a lossy reader
        repaired = tok::toValidUtf8(text);
        text = repaired;
    }
    std::vector<int32_t> ids;
    ids.reserve(text.size() / 3 + 8);
    if (addSpecial) ids.insert(ids.end(), d.prefix.begin(), d.prefix.end());

    std::vector<tok::TextSegment> segments, inner;
    d.rawAdded.split(text, segments);
    for (const auto &seg : segments) {
        if (seg.id >= 0) {
            ids.push_back(seg.id);
            continue;
        }
        const std::string normalized = d.normalizer.empty() ? std::string() : d.normalize(seg.text);
        const std::string_view norm =
            d.normalizer.empty() ? seg.text : std::string_view(normalized);
        const bool atStart = seg.text.data() == text.data(); // Metaspace "first" needs this
        if (d.normalizedAdded.empty()) {
            d.encodeText(norm, ids, atStart);
            continue;
        }
        inner.clear();
        d.normalizedAdded.split(norm, inner);
        for (const auto &part : inner) {
            if (part.id >= 0)
                ids.push_back(part.id);
            else
                d.encodeText(part.text, ids, atStart && part.text.data() == norm.data());
        }
    }
    if (addSpecial) ids.insert(ids.end(), d.suffix.begin(), d.suffix.end());
    return ids;
}

std::string Tokenizer::decode(const std::vector<int32_t> &ids, bool skipSpecial) const
{
    const Impl &d = *m_impl;
    std::vector<std::string> pieces;
    pieces.reserve(ids.size());
    for (int32_t id : ids) {
        if (id < 0 || id >= vocabSize() || d.types[id] == TokenType::Unused)
            throw Error(d.path, "cannot decode token id " + std::to_string(id) + " (vocab size " +
                                    std::to_string(vocabSize()) + ")");
        if (skipSpecial && d.special[id]) continue;
        pieces.push_back(d.tokens[id]);
    }
    return d.decoder.decode(std::move(pieces));
}

std::optional<int32_t> Tokenizer::bosId() const
{
    return m_impl->bos;
}
std::optional<int32_t> Tokenizer::eosId() const
{
    return m_impl->eos;
}
std::optional<int32_t> Tokenizer::unkId() const
{
    return m_impl->unk;
}
std::optional<int32_t> Tokenizer::padId() const
{
    return m_impl->pad;
}

bool Tokenizer::addsBos() const
{
    return m_impl->bos && !m_impl->prefix.empty() && m_impl->prefix.front() == *m_impl->bos;
}

bool Tokenizer::addsEos() const
{
    return m_impl->eos && !m_impl->suffix.empty() && m_impl->suffix.back() == *m_impl->eos;
}

int32_t Tokenizer::vocabSize() const
{
    return static_cast<int32_t>(m_impl->tokens.size());
}

std::optional<int32_t> Tokenizer::tokenToId(std::string_view token) const
{
    auto it = m_impl->vocab.find(token);
    if (it == m_impl->vocab.end()) return std::nullopt;
    return it->second;
}

std::string Tokenizer::idToToken(int32_t id) const
{
    if (id < 0 || id >= vocabSize())
        throw Error(m_impl->path, "token id " + std::to_string(id) + " is out of range");
    return m_impl->tokens[id];
}

bool Tokenizer::isSpecial(int32_t id) const
{
    return id >= 0 && id < vocabSize() && m_impl->special[id];
}

TokenizerKind Tokenizer::kind() const
{
    return m_impl->kind;
}
const std::vector<std::string> &Tokenizer::tokens() const
{
    return m_impl->tokens;
}
const std::vector<TokenType> &Tokenizer::tokenTypes() const
{
    return m_impl->types;
}
const std::vector<std::string> &Tokenizer::merges() const
{
    return m_impl->merges;
}
const std::vector<float> &Tokenizer::scores() const
{
    return m_impl->scores;
}
const std::string &Tokenizer::preTokenizerName() const
{
    return m_impl->preName;
}
const std::string &Tokenizer::path() const
{
    return m_impl->path;
}

} // namespace lieq
