#pragma once

// Byte-level BPE training (the GPT-2 / Qwen2 recipe): text is NFC-normalized, split by the Qwen2
// pre-tokenizer pattern, each piece becomes its bytes through the GPT-2 byte -> unicode alphabet,
// and the most frequent adjacent pair is merged until the vocabulary is full. The result is
// saved as a standard HF tokenizer.json (+ tokenizer_config.json) that lieq::Tokenizer and
// transformers.js load and tokenize identically.

#include "core/util/progress.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace lieq {

struct BpeTrainerOptions
{
    // Total vocabulary: 256 byte tokens + merges + special tokens.
    int vocabSize = 4096;
    // Added as special tokens after the learned ones (ids vocabSize - n .. vocabSize - 1).
    std::vector<std::string> specialTokens{"<|endoftext|>"};
    // Merging stops early when the best pair is rarer than this.
    std::int64_t minPairFrequency = 2;
};

// A trained vocabulary. Ids: tokens[i] has id i (256 byte tokens in GPT-2 alphabet order, then
// one per merge result), specials follow at tokens.size() + k.
struct BpeVocabulary
{
    std::vector<std::string> tokens;                           // byte-level strings
    std::vector<std::pair<std::string, std::string>> merges;   // rank order
    std::vector<std::string> specialTokens;

    std::int32_t size() const
    {
        return static_cast<std::int32_t>(tokens.size() + specialTokens.size());
    }
};

class BpeTrainer
{
public:
    explicit BpeTrainer(BpeTrainerOptions options = {});

    // Counts the pre-tokenized words of `text`. Special tokens written in the text are cut out
    // (they never take part in merges), as the tokenizer does when encoding.
    void addText(std::string_view text);

    std::int64_t wordCount() const { return m_words; }

    // Learns the merges. Ties between equally frequent pairs go to the smaller (left id, right
    // id), so equal input gives equal output. Progress stage "tokenizer", one unit per merge.
    // Throws lieq::Error when vocabSize cannot hold the bytes and special tokens.
    BpeVocabulary train(const ProgressFn &progress = {}) const;

private:
    BpeTrainerOptions m_options;
    std::unordered_map<std::string, std::int64_t> m_counts;
    std::int64_t m_words = 0;
};

// Writes dir/tokenizer.json (Qwen2 layout: NFC, Split + ByteLevel, ByteLevel decoder) and
// dir/tokenizer_config.json (eos = pad = first special token, no BOS), each atomically.
void saveBpeTokenizer(const BpeVocabulary &vocab, const std::string &dir,
                      std::int64_t modelMaxLength);

} // namespace lieq
