#pragma once

// Internal: the pre-tokenizer of a tokenizer.json, reduced to what the supported files use:
// zero or more regex splits (only the known GPT-2 / Llama-3 / Qwen2 patterns, matched by
// hand-written code that follows Oniguruma's leftmost-first backtracking), then optionally the
// ByteLevel step (prefix space; the byte -> unicode mapping happens in the BPE model).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/tokenizer/unicode_text.h"

namespace lieq::tok {

enum class SplitPattern
{
    Gpt2,   // 's|'t|... | ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
    Llama3, // (?i:'s|...)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|...
    Qwen2,  // as Llama3 with \p{N} (single digits)
};

// The pattern for a regex string from tokenizer.json, or nullopt when it is not a known one.
std::optional<SplitPattern> recognisePattern(std::string_view regex);
const char *patternName(SplitPattern p);

class PreTokenizer
{
public:
    void addSplit(SplitPattern p) { m_splits.push_back(p); }
    void setByteLevelPrefixSpace(bool on) { m_prefixSpace = on; }
    // Metaspace (sentencepiece-style): spaces become `replacement`, which is prepended to the
    // text (always, or only to the segment at the start of the input for "first"); with
    // `splitOnReplacement` each piece starts at a replacement char.
    enum class Prepend
    {
        Always,
        First,
        Never
    };
    void setMetaspace(std::string replacement, Prepend scheme, bool splitOnReplacement)
    {
        m_metaspace = true;
        m_replacement = std::move(replacement);
        m_prepend = scheme;
        m_metaspaceSplit = splitOnReplacement;
    }
    const std::vector<SplitPattern> &splits() const { return m_splits; }

    // Appends the pieces of `text` (views into `text`, or into `storage` when a prefix space
    // was added) to `pieces`.
    // `atInputStart`: the segment begins the input text (no added token before it).
    void split(std::string_view text, std::vector<std::string_view> &pieces, std::string &storage,
               bool atInputStart = true) const;

    // Pieces of one pattern on `text`; exposed for tests.
    static void splitWith(SplitPattern p, std::string_view text,
                          std::vector<std::string_view> &pieces);

private:
    std::vector<SplitPattern> m_splits;
    bool m_prefixSpace = false;
    bool m_metaspace = false;
    std::string m_replacement;
    Prepend m_prepend = Prepend::Always;
    bool m_metaspaceSplit = false;
};

} // namespace lieq::tok
