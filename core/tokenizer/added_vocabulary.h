#pragma once

// Internal: added tokens of a tokenizer.json (special and user-defined). They are cut out of the
// text before normalization, as HF tokenizers does: leftmost-longest match, then single_word,
// lstrip and rstrip adjust the match. Tokens with normalized=true are matched a second time on
// the normalized remainder.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lieq::tok {

struct AddedToken
{
    int32_t id = 0;
    std::string content;
    bool special = false;
    bool normalized = false;
    bool lstrip = false;
    bool rstrip = false;
    bool singleWord = false;
};

// A piece of text: either an added token (id >= 0) or text for the model (id == -1).
struct TextSegment
{
    std::string_view text;
    int32_t id = -1;
};

class AddedVocabulary
{
public:
    // `patterns` are the tokens to match in this pass (already normalized when needed).
    void build(const std::vector<AddedToken> &tokens);
    bool empty() const { return m_tokens.empty(); }

    // Splits `text` into segments; views point into `text`.
    void split(std::string_view text, std::vector<TextSegment> &out) const;

private:
    std::vector<AddedToken> m_tokens;
    std::vector<std::vector<int32_t>> m_byFirstByte; // indices into m_tokens, longest first
};

} // namespace lieq::tok
