#include "core/tokenizer/added_vocabulary.h"

#include "core/tokenizer/unicode_text.h"

#include <algorithm>

namespace lieq::tok {

namespace {

// HF's word chars for single_word: alphanumeric or '_'.
bool isWordChar(char32_t c)
{
    return c == U'_' || (charClass(c) & (kLetter | kNumber));
}

char32_t lastCodePoint(std::string_view s)
{
    std::size_t i = s.size();
    while (i > 0 && (static_cast<unsigned char>(s[i - 1]) & 0xc0) == 0x80)
        --i;
    if (i > 0) --i;
    return nextCodePoint(s, i);
}

} // namespace

void AddedVocabulary::build(const std::vector<AddedToken> &tokens)
{
    m_tokens.clear();
    for (const auto &t : tokens)
        if (!t.content.empty()) m_tokens.push_back(t);
    m_byFirstByte.assign(256, {});
    for (std::size_t i = 0; i < m_tokens.size(); ++i)
        m_byFirstByte[static_cast<unsigned char>(m_tokens[i].content[0])].push_back(
            static_cast<int32_t>(i));
    for (auto &list : m_byFirstByte)
        std::stable_sort(list.begin(), list.end(), [&](int32_t a, int32_t b) {
            return m_tokens[a].content.size() > m_tokens[b].content.size();
        });
}

void AddedVocabulary::split(std::string_view text, std::vector<TextSegment> &out) const
{
    if (m_tokens.empty()) {
        if (!text.empty()) out.push_back(TextSegment{text, -1});
        return;
    }
    std::size_t emitted = 0; // text before this offset is already in `out`
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto &candidates = m_byFirstByte[static_cast<unsigned char>(text[pos])];
        const AddedToken *match = nullptr;
        for (int32_t idx : candidates) {
            const std::string &c = m_tokens[idx].content;
            if (text.compare(pos, c.size(), c) == 0) {
                match = &m_tokens[idx];
                break;
            }
        }
        if (!match) {
            ++pos;
            continue;
        }
        std::size_t start = pos, stop = pos + match->content.size();
        if (match->singleWord) {
            const bool leftOk = start == 0 || !isWordChar(lastCodePoint(text.substr(0, start)));
            std::size_t k = stop;
            const bool rightOk = stop == text.size() || !isWordChar(nextCodePoint(text, k));
            if (!leftOk || !rightOk) {
                ++pos;
                continue;
            }
        }
        if (match->lstrip) {
            while (start > emitted) {
                const std::string_view before = text.substr(0, start);
                const char32_t c = lastCodePoint(before);
                if (!isWhitespace(c)) break;
                std::string tmp;
                appendUtf8(tmp, c);
                start -= tmp.size();
            }
        }
        if (match->rstrip) {
            while (stop < text.size()) {
                std::size_t k = stop;
                if (!isWhitespace(nextCodePoint(text, k))) break;
                stop = k;
            }
        }
        if (emitted < start) out.push_back(TextSegment{text.substr(emitted, start - emitted), -1});
        out.push_back(TextSegment{text.substr(start, stop - start), match->id});
        emitted = stop;
        pos = std::max(stop, pos + match->content.size());
    }
    if (emitted < text.size()) out.push_back(TextSegment{text.substr(emitted), -1});
}

} // namespace lieq::tok
