#include "core/tokenizer/bpe_trainer.h"

#include "core/tokenizer/pre_tokenizer.h"
#include "core/tokenizer/unicode_text.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <filesystem>
#include <queue>

namespace lieq {

namespace {

// The Qwen2 split pattern as tokenizer.json spells it; the loader recognises exactly this
// string (tok::recognisePattern), so a saved file round-trips.
constexpr const char *kQwen2Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

using PairKey = std::uint64_t;

PairKey pairKey(std::int32_t a, std::int32_t b)
{
    return (static_cast<PairKey>(static_cast<std::uint32_t>(a)) << 32) |
           static_cast<std::uint32_t>(b);
}

struct HeapEntry
{
    std::int64_t count;
    PairKey key;
    // Max-heap on count; among equal counts the smaller pair comes first (deterministic).
    bool operator<(const HeapEntry &o) const
    {
        return count != o.count ? count < o.count : key > o.key;
    }
};

struct Word
{
    std::vector<std::int32_t> syms;
    std::int64_t count = 0;
};

// GPT-2 alphabet: byte-level chars sorted by code point give ids 0..255 ("!" = 0, as in
// GPT-2 and Qwen2). byteId[b] is the id of byte b.
void baseAlphabet(std::vector<std::string> &tokens, std::array<std::int32_t, 256> &byteId)
{
    std::vector<std::pair<char32_t, int>> order;
    for (int b = 0; b < 256; ++b)
        order.emplace_back(tok::byteToUnicode()[static_cast<std::size_t>(b)], b);
    std::sort(order.begin(), order.end());
    tokens.clear();
    for (const auto &[cp, b] : order) {
        byteId[static_cast<std::size_t>(b)] = static_cast<std::int32_t>(tokens.size());
        std::string s;
        tok::appendUtf8(s, cp);
        tokens.push_back(std::move(s));
    }
}

// Replaces every non-overlapping (a, b), left to right, by id.
bool mergeWord(const std::vector<std::int32_t> &in, std::int32_t a, std::int32_t b,
               std::int32_t id, std::vector<std::int32_t> &out)
{
    out.clear();
    bool changed = false;
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (i + 1 < in.size() && in[i] == a && in[i + 1] == b) {
            out.push_back(id);
            ++i;
            changed = true;
        } else {
            out.push_back(in[i]);
        }
    }
    return changed;
}

} // namespace

BpeTrainer::BpeTrainer(BpeTrainerOptions options) : m_options(std::move(options)) {}

void BpeTrainer::addText(std::string_view raw)
{
    const std::string text = tok::toNfc(tok::toValidUtf8(raw));
    std::vector<std::string_view> pieces;
    auto countSegment = [&](std::string_view segment) {
        pieces.clear();
        tok::PreTokenizer::splitWith(tok::SplitPattern::Qwen2, segment, pieces);
        for (std::string_view p : pieces) {
            ++m_counts[std::string(p)];
            ++m_words;
        }
    };
    // Cut out special tokens: leftmost occurrence of any of them first.
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t best = std::string::npos, bestLen = 0;
        for (const std::string &s : m_options.specialTokens) {
            if (s.empty()) continue;
            const std::size_t f = text.find(s, pos);
            if (f != std::string::npos && (f < best || (f == best && s.size() > bestLen))) {
                best = f;
                bestLen = s.size();
            }
        }
        if (best == std::string::npos) {
            countSegment(std::string_view(text).substr(pos));
            break;
        }
        if (best > pos) countSegment(std::string_view(text).substr(pos, best - pos));
        pos = best + bestLen;
    }
}

BpeVocabulary BpeTrainer::train(const ProgressFn &progress) const
{
    const int specials = static_cast<int>(m_options.specialTokens.size());
    if (m_options.vocabSize < 256 + specials)
        throw Error("BPE training: vocabulary size " + std::to_string(m_options.vocabSize) +
                    " cannot hold the 256 byte tokens and " + std::to_string(specials) +
                    " special tokens");
    BpeVocabulary v;
    v.specialTokens = m_options.specialTokens;
    std::array<std::int32_t, 256> byteId{};
    baseAlphabet(v.tokens, byteId);
    std::unordered_map<std::string, std::int32_t> ids;
    for (std::size_t i = 0; i < v.tokens.size(); ++i)
        ids.emplace(v.tokens[i], static_cast<std::int32_t>(i));

    // Words in a fixed order (sorted) so nothing depends on hash-map iteration.
    std::vector<std::pair<std::string, std::int64_t>> sorted(m_counts.begin(), m_counts.end());
    std::sort(sorted.begin(), sorted.end());
    std::vector<Word> words(sorted.size());
    std::unordered_map<PairKey, std::int64_t> pairCounts;
    std::unordered_map<PairKey, std::vector<std::int32_t>> where;
    for (std::size_t w = 0; w < sorted.size(); ++w) {
        Word &word = words[w];
        word.count = sorted[w].second;
        for (unsigned char c : sorted[w].first)
            word.syms.push_back(byteId[c]);
        for (std::size_t i = 0; i + 1 < word.syms.size(); ++i) {
            const PairKey k = pairKey(word.syms[i], word.syms[i + 1]);
            pairCounts[k] += word.count;
            auto &list = where[k];
            if (list.empty() || list.back() != static_cast<std::int32_t>(w))
                list.push_back(static_cast<std::int32_t>(w));
        }
    }
    std::vector<HeapEntry> initial;
    initial.reserve(pairCounts.size());
    for (const auto &[k, c] : pairCounts)
        initial.push_back({c, k});
    std::priority_queue<HeapEntry> heap(std::less<HeapEntry>(), std::move(initial));

    const std::int64_t target = m_options.vocabSize - specials;
    const std::int64_t totalMerges = target - 256;
    std::vector<std::int32_t> seen(words.size(), -1);
    std::vector<std::int32_t> merged;
    std::vector<PairKey> fresh;
    while (static_cast<std::int64_t>(v.tokens.size()) < target && !heap.empty()) {
        const HeapEntry top = heap.top();
        heap.pop();
        const auto it = pairCounts.find(top.key);
        const std::int64_t current = it == pairCounts.end() ? 0 : it->second;
        if (current != top.count) { // stale entry: counts only fall for old pairs
            if (current > 0) heap.push({current, top.key});
            continue;
        }
        if (current < std::max<std::int64_t>(1, m_options.minPairFrequency))
            break;
        const auto a = static_cast<std::int32_t>(top.key >> 32);
        const auto b = static_cast<std::int32_t>(top.key & 0xffffffffu);
        const std::string joined = v.tokens[static_cast<std::size_t>(a)] +
                                   v.tokens[static_cast<std::size_t>(b)];
        // Two merge paths can build the same string; HF reuses the id, and so do we.
        std::int32_t id;
        if (auto f = ids.find(joined); f != ids.end()) {
            id = f->second;
        } else {
            id = static_cast<std::int32_t>(v.tokens.size());
            v.tokens.push_back(joined);
            ids.emplace(joined, id);
        }
        const std::int32_t mergeIndex = static_cast<std::int32_t>(v.merges.size());
        v.merges.emplace_back(v.tokens[static_cast<std::size_t>(a)],
                              v.tokens[static_cast<std::size_t>(b)]);

        std::vector<std::int32_t> list = std::move(where[top.key]);
        where.erase(top.key);
        fresh.clear();
        for (std::int32_t w : list) {
            if (seen[static_cast<std::size_t>(w)] == mergeIndex) continue;
            seen[static_cast<std::size_t>(w)] = mergeIndex;
            Word &word = words[static_cast<std::size_t>(w)];
            if (!mergeWord(word.syms, a, b, id, merged)) continue;
            for (std::size_t i = 0; i + 1 < word.syms.size(); ++i) {
                const PairKey k = pairKey(word.syms[i], word.syms[i + 1]);
                auto pc = pairCounts.find(k);
                if ((pc->second -= word.count) == 0) pairCounts.erase(pc);
            }
            for (std::size_t i = 0; i + 1 < merged.size(); ++i) {
                const PairKey k = pairKey(merged[i], merged[i + 1]);
                pairCounts[k] += word.count;
                // Only pairs with the new symbol are new to this word's lists.
                if (merged[i] == id || merged[i + 1] == id) {
                    auto &wl = where[k];
                    if (wl.empty() || wl.back() != w) wl.push_back(w);
                    fresh.push_back(k);
                }
            }
            word.syms.swap(merged);
        }
        std::sort(fresh.begin(), fresh.end());
        fresh.erase(std::unique(fresh.begin(), fresh.end()), fresh.end());
        for (PairKey k : fresh)
            if (auto pc = pairCounts.find(k); pc != pairCounts.end())
                heap.push({pc->second, k});
        if ((mergeIndex & 63) == 0)
            reportProgress(progress, {"tokenizer", mergeIndex + 1, totalMerges,
                                      std::to_string(v.tokens.size()) + " tokens"});
    }
    reportProgress(progress, {"tokenizer", totalMerges, totalMerges, {}});
    return v;
}

void saveBpeTokenizer(const BpeVocabulary &v, const std::string &dir, std::int64_t modelMaxLength)
{
    using nlohmann::ordered_json;
    std::filesystem::create_directories(dir);
    const ordered_json byteLevel = {{"type", "ByteLevel"},
                                    {"add_prefix_space", false},
                                    {"trim_offsets", false},
                                    {"use_regex", false}};
    ordered_json added = ordered_json::array();
    ordered_json addedDecoder = ordered_json::object();
    for (std::size_t k = 0; k < v.specialTokens.size(); ++k) {
        const auto id = static_cast<std::int64_t>(v.tokens.size() + k);
        added.push_back({{"id", id},
                         {"content", v.specialTokens[k]},
                         {"single_word", false},
                         {"lstrip", false},
                         {"rstrip", false},
                         {"normalized", false},
                         {"special", true}});
        addedDecoder[std::to_string(id)] = {{"content", v.specialTokens[k]},
                                            {"lstrip", false},
                                            {"normalized", false},
                                            {"rstrip", false},
                                            {"single_word", false},
                                            {"special", true}};
    }
    // The vocab object is spliced in as text: ordered_json's object insert is linear, which
    // would make large vocabularies quadratic.
    std::string vocab = "{";
    for (std::size_t i = 0; i < v.tokens.size(); ++i) {
        if (i)
            vocab += ',';
        vocab += ordered_json(v.tokens[i]).dump();
        vocab += ':';
        vocab += std::to_string(i);
    }
    vocab += "}";
    const std::string placeholder = "\"@lieq-vocab@\"";
    ordered_json merges = ordered_json::array();
    for (const auto &[l, r] : v.merges)
        merges.push_back({l, r});

    ordered_json tj;
    tj["version"] = "1.0";
    tj["truncation"] = nullptr;
    tj["padding"] = nullptr;
    tj["added_tokens"] = added;
    tj["normalizer"] = {{"type", "NFC"}};
    tj["pre_tokenizer"] = {
        {"type", "Sequence"},
        {"pretokenizers",
         {{{"type", "Split"},
           {"pattern", {{"Regex", kQwen2Regex}}},
           {"behavior", "Isolated"},
           {"invert", false}},
          byteLevel}}};
    tj["post_processor"] = byteLevel;
    tj["decoder"] = byteLevel;
    tj["model"] = {{"type", "BPE"},
                   {"dropout", nullptr},
                   {"unk_token", nullptr},
                   {"continuing_subword_prefix", ""},
                   {"end_of_word_suffix", ""},
                   {"fuse_unk", false},
                   {"byte_fallback", false},
                   {"ignore_merges", false},
                   {"vocab", "@lieq-vocab@"},
                   {"merges", std::move(merges)}};

    const ordered_json special =
        v.specialTokens.empty() ? ordered_json(nullptr) : ordered_json(v.specialTokens.front());
    // Qwen2Tokenizer's settings; the special tokens and the length are filled in below.
    ordered_json cfg = ordered_json::parse(R"({
        "add_bos_token": false,
        "add_prefix_space": false,
        "added_tokens_decoder": {},
        "bos_token": null,
        "clean_up_tokenization_spaces": false,
        "eos_token": null,
        "errors": "replace",
        "model_max_length": 0,
        "pad_token": null,
        "split_special_tokens": false,
        "tokenizer_class": "Qwen2Tokenizer",
        "unk_token": null
    })");
    cfg["added_tokens_decoder"] = addedDecoder;
    cfg["eos_token"] = special;
    cfg["pad_token"] = special;
    cfg["model_max_length"] = modelMaxLength;

    const std::filesystem::path d(dir);
    std::string text = tj.dump(1);
    text.replace(text.find(placeholder), placeholder.size(), vocab);
    writeFileAtomic((d / "tokenizer.json").string(), text + "\n");
    writeFileAtomic((d / "tokenizer_config.json").string(), cfg.dump(2) + "\n");
}

} // namespace lieq
