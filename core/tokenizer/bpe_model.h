#pragma once

// Internal: the BPE model of a tokenizer.json. Words are turned into initial symbols (byte-level:
// one per byte; sentencepiece-style: one per char, with <0xNN> byte fallback or unk), then merged
// by rank exactly as HF tokenizers does (lowest rank first, leftmost on ties). Merge ranks live in
// an open-addressing hash map keyed by the two symbol ids; results are cached per word.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lieq::tok {

// Transparent hashing so cache and vocab lookups take string_view without a copy.
struct StringHash
{
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using StringIdMap = std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>>;

class BpeModel
{
public:
    struct Options
    {
        bool byteLevel = false;    // symbols start as bytes through the GPT-2 alphabet
        bool byteFallback = false; // unknown chars become <0xNN> tokens
        bool fuseUnk = false;
        bool ignoreMerges = false; // a word already in the vocab is emitted whole (Llama-3)
        std::optional<int32_t> unkId;
    };

    // vocab: token string (as in the file) -> id. merges: pairs in rank order. Throws
    // lieq::Error (without file name; the loader adds it) when a merge names unknown tokens.
    void build(const StringIdMap &vocab,
               const std::vector<std::pair<std::string, std::string>> &merges,
               const Options &options);

    // Appends the ids of one pre-tokenized word (raw UTF-8 bytes) to out. Thread-safe.
    void encodeWord(std::string_view word, std::vector<int32_t> &out) const;

    // Uncached merge, with the heap forced on or off; exposed so tests can check both paths agree.
    void encodeWordUncached(std::string_view word, std::vector<int32_t> &out, bool useHeap) const;

private:
    struct MergeEntry
    {
        uint64_t key = ~0ull;
        int32_t rank = 0;
        int32_t newId = 0;
    };
    struct Symbol
    {
        int32_t id;
        int32_t prev;
        int32_t next;
        bool alive;
    };
    const MergeEntry *findMerge(int32_t left, int32_t right) const;
    void initialSymbols(std::string_view word, std::vector<Symbol> &symbols) const;
    void mergeNaive(std::vector<Symbol> &symbols) const;
    void mergeHeap(std::vector<Symbol> &symbols) const;

    Options m_options;
    std::vector<MergeEntry> m_table; // open addressing, power-of-two size
    uint64_t m_mask = 0;
    int32_t m_byteIds[256];     // byte-level: id of each byte's alphabet char (-1 if missing)
    int32_t m_fallbackIds[256]; // sentencepiece: id of <0xNN> (-1 if missing)
    StringIdMap m_charVocab;    // sentencepiece: vocab for char lookups
    StringIdMap m_wholeWords;   // ignore_merges: raw word bytes -> id

    mutable std::mutex m_cacheMutex;
    mutable std::unordered_map<std::string, std::vector<int32_t>, StringHash, std::equal_to<>>
        m_cache;
};

} // namespace lieq::tok
