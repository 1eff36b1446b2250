#pragma once

// Internal: the decoder chain of a tokenizer.json (ByteLevel, Replace, ByteFallback, Fuse, Strip,
// Metaspace, Sequence), applied to token strings as HF tokenizers' decode_chain does.

#include <string>
#include <vector>

namespace lieq::tok {

class TokenDecoder
{
public:
    struct Step
    {
        enum class Kind
        {
            ByteLevel,
            Replace,
            ByteFallback,
            Fuse,
            Strip,
            Metaspace
        } kind;
        std::string pattern;       // Replace: literal to find; Strip/Metaspace: the char
        std::string content;       // Replace: replacement
        int start = 0;             // Strip
        int stop = 0;              // Strip
        bool prependFirst = false; // Metaspace: drop the leading space of the first token
    };

    void addStep(Step s) { m_steps.push_back(std::move(s)); }
    bool empty() const { return m_steps.empty(); }

    // Joined result, valid UTF-8. Without steps tokens are joined by spaces (HF's default).
    std::string decode(std::vector<std::string> tokens) const;

private:
    std::vector<Step> m_steps;
};

} // namespace lieq::tok
