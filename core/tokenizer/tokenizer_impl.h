#pragma once

// Internal state of lieq::Tokenizer, shared by tokenizer.cpp (encode/decode) and
// tokenizer_loader.cpp (parsing tokenizer.json). Never included outside core/tokenizer.

#include "core/tokenizer/added_vocabulary.h"
#include "core/tokenizer/bpe_model.h"
#include "core/tokenizer/pre_tokenizer.h"
#include "core/tokenizer/token_decoder.h"
#include "core/tokenizer/tokenizer.h"

#include <optional>
#include <string>
#include <vector>

namespace lieq {

struct Tokenizer::Impl
{
    struct NormStep
    {
        enum class Kind
        {
            Nfc,
            Prepend,
            Replace
        } kind;
        std::string a; // Prepend: prefix; Replace: literal to find
        std::string b; // Replace: replacement
    };

    std::string path;
    TokenizerKind kind = TokenizerKind::ByteLevelBpe;
    std::string preName = "default";

    std::vector<std::string> tokens; // id -> raw vocab string
    std::vector<TokenType> types;
    std::vector<std::string> merges;
    std::vector<float> scores;
    std::vector<bool> special;
    tok::StringIdMap vocab; // every token (model and added) -> id

    std::vector<NormStep> normalizer;
    tok::PreTokenizer preTokenizer;
    tok::BpeModel model;
    tok::AddedVocabulary rawAdded;        // matched on the input text
    tok::AddedVocabulary normalizedAdded; // matched after normalization
    tok::TokenDecoder decoder;

    std::vector<int32_t> prefix; // post-processor ids before the sequence (e.g. BOS)
    std::vector<int32_t> suffix; // and after it (e.g. EOS)
    std::optional<int32_t> bos, eos, unk, pad;

    std::string normalize(std::string_view text) const;
    void encodeText(std::string_view text, std::vector<int32_t> &ids, bool atInputStart) const;
};

// Parses tokenizer.json (+ tokenizer_config.json beside it); defined in tokenizer_loader.cpp.
void loadTokenizer(const std::string &path, Tokenizer::Impl &impl);

} // namespace lieq
