#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lieq {

// The tokenizer.ggml.* block of a GGUF file, read straight from a Hugging Face tokenizer.json
// (no tokenization happens here). Byte-level BPE becomes model "gpt2" with merges;
// sentencepiece-style BPE (▁ normalizer, byte_fallback) becomes model "llama" with scores.
struct GgufVocab
{
    enum TokenType : std::int32_t { Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 };

    std::string model;                 // "gpt2" or "llama"
    std::string pre = "default";       // tokenizer.ggml.pre: "llama-bpe", "qwen2", "gpt-2", ...
    std::vector<std::string> tokens;   // id -> text; ids the tokenizer lacks become "[PAD<id>]"
    std::vector<float> scores;         // llama only: -(merge rank) so earlier merges win
    std::vector<std::int32_t> tokenTypes;
    std::vector<std::string> merges;   // "a b", gpt2 only
    std::optional<std::int64_t> bos, eos, unk;
    bool addBos = false;

    // `vocabSize` is the embedding row count (config vocab_size); the token list is padded to it.
    // `tokenizerConfigPath` (may be empty or absent) supplies add_bos_token. Throws lieq::Error
    // naming the file for malformed or unsupported tokenizers (e.g. Unigram/WordPiece).
    static GgufVocab fromTokenizerJson(const std::string &tokenizerJsonPath, std::int64_t vocabSize,
                                       const std::string &tokenizerConfigPath = {});
};

} // namespace lieq
