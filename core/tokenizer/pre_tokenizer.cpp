#include "core/tokenizer/pre_tokenizer.h"

namespace lieq::tok {

namespace {

constexpr std::string_view kGpt2 =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
constexpr std::string_view kLlama3 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr std::string_view kQwen2 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

constexpr uint8_t kLN = kLetter | kNumber;

// The matchers work on code points with precomputed classes. Each returns the end of the
// match starting at i, or i when no alternative matches there.
struct Matcher
{
    const char32_t *cp;
    const uint8_t *cls;
    std::size_t n;

    bool has(std::size_t i, uint8_t bits) const { return i < n && (cls[i] & bits); }
    // [^\s\p{L}\p{N}]: punctuation, symbols, controls that are not whitespace.
    bool other(std::size_t i) const { return i < n && !(cls[i] & (kSpace | kLN)); }
    std::size_t runOf(std::size_t i, uint8_t bits) const
    {
        while (i < n && (cls[i] & bits))
            ++i;
        return i;
    }
    std::size_t runOfOther(std::size_t i) const
    {
        while (other(i))
            ++i;
        return i;
    }

    // 's|'t|'re|'ve|'m|'ll|'d, optionally ASCII case-insensitive (transformers.js folds ASCII
    // only; Oniguruma would also fold U+017F, which no real text relies on).
    std::size_t contraction(std::size_t i, bool fold) const
    {
        if (cp[i] != U'\'' || i + 1 >= n) return i;
        auto at = [&](std::size_t k) -> char32_t {
            if (k >= n) return 0;
            const char32_t c = cp[k];
            return fold && c >= U'A' && c <= U'Z' ? c + 32 : c;
        };
        switch (at(i + 1)) {
        case U's':
        case U't':
        case U'm':
        case U'd':
            return i + 2;
        case U'r':
        case U'v':
            return at(i + 2) == U'e' ? i + 3 : i;
        case U'l':
            return at(i + 2) == U'l' ? i + 3 : i;
        default:
            return i;
        }
    }

    // \s+(?!\S) then \s+: a whitespace run leaves its last char to the next piece when a
    // non-space follows, unless the run is a single char.
    std::size_t spaces(std::size_t i) const
    {
        if (!has(i, kSpace)) return i;
        const std::size_t k = runOf(i, kSpace);
        if (k == n || k - 1 == i) return k;
        return k - 1;
    }

    std::size_t gpt2(std::size_t i) const
    {
        std::size_t e = contraction(i, false);
        if (e != i) return e;
        const std::size_t j = cp[i] == U' ' ? i + 1 : i;
        if (has(j, kLetter)) return runOf(j, kLetter);
        if (has(j, kNumber)) return runOf(j, kNumber);
        if (other(j)) return runOfOther(j);
        return spaces(i);
    }

    std::size_t llama(std::size_t i, std::size_t maxDigits) const
    {
        std::size_t e = contraction(i, true);
        if (e != i) return e;
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if (!(cls[i] & (kCrLf | kLN)) && has(i + 1, kLetter)) return runOf(i + 1, kLetter);
        if (cls[i] & kLetter) return runOf(i, kLetter);
        // \p{N}{1,maxDigits}
        if (cls[i] & kNumber) {
            const std::size_t k = runOf(i, kNumber);
            return k - i > maxDigits ? i + maxDigits : k;
        }
        // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
        const std::size_t j = (cp[i] == U' ' && other(i + 1)) ? i + 1 : i;
        if (other(j)) return runOf(runOfOther(j), kCrLf);
        if (!(cls[i] & kSpace)) return i;
        // \s*[\r\n]+: up to and including the last CR/LF of the whitespace run.
        const std::size_t k = runOf(i, kSpace);
        for (std::size_t m = k; m > i; --m)
            if (cls[m - 1] & kCrLf) return m;
        return spaces(i);
    }
};

} // namespace

std::optional<SplitPattern> recognisePattern(std::string_view regex)
{
    if (regex == kGpt2) return SplitPattern::Gpt2;
    if (regex == kLlama3) return SplitPattern::Llama3;
    if (regex == kQwen2) return SplitPattern::Qwen2;
    return std::nullopt;
}

const char *patternName(SplitPattern p)
{
    switch (p) {
    case SplitPattern::Gpt2:
        return "gpt2";
    case SplitPattern::Llama3:
        return "llama-bpe";
    case SplitPattern::Qwen2:
        return "qwen2";
    }
    return "unknown";
}

void PreTokenizer::splitWith(SplitPattern p, std::string_view text,
                             std::vector<std::string_view> &pieces)
{
    thread_local DecodedText d;
    decodeUtf8(text, d);
    const Matcher m{d.cps.data(), d.classes.data(), d.cps.size()};
    std::size_t i = 0, gapStart = 0;
    while (i < m.n) {
        std::size_t e = i;
        switch (p) {
        case SplitPattern::Gpt2:
            e = m.gpt2(i);
            break;
        case SplitPattern::Llama3:
            e = m.llama(i, 3);
            break;
        case SplitPattern::Qwen2:
            e = m.llama(i, 1);
            break;
        }
        if (e == i) { // no match here: the char joins a gap piece (Isolated keeps gaps)
            ++i;
            continue;
        }
        if (gapStart < i)
            pieces.push_back(text.substr(d.offsets[gapStart], d.offsets[i] - d.offsets[gapStart]));
        pieces.push_back(text.substr(d.offsets[i], d.offsets[e] - d.offsets[i]));
        i = gapStart = e;
    }
    if (gapStart < m.n)
        pieces.push_back(text.substr(d.offsets[gapStart], d.offsets[m.n] - d.offsets[gapStart]));
}

void PreTokenizer::split(std::string_view text, std::vector<std::string_view> &pieces,
                         std::string &storage, bool atInputStart) const
{
    if (text.empty()) return;
    if (m_metaspace) {
        const bool prepend =
            m_prepend == Prepend::Always || (m_prepend == Prepend::First && atInputStart);
        storage.clear();
        if (prepend && text.substr(0, m_replacement.size()) != m_replacement && text.front() != ' ')
            storage = m_replacement;
        for (char ch : text) {
            if (ch == ' ')
                storage += m_replacement;
            else
                storage += ch;
        }
        text = storage;
        if (!m_metaspaceSplit || m_replacement.empty()) {
            pieces.push_back(text);
            return;
        }
        std::size_t start = 0; // MergedWithNext: each replacement starts a new piece
        for (std::size_t pos = text.find(m_replacement, 1); pos != std::string_view::npos;
             pos = text.find(m_replacement, pos + m_replacement.size())) {
            pieces.push_back(text.substr(start, pos - start));
            start = pos;
        }
        pieces.push_back(text.substr(start));
        return;
    }
    if (m_prefixSpace && text.front() != ' ') {
        storage.assign(1, ' ');
        storage.append(text);
        text = storage;
    }
    if (m_splits.empty()) {
        pieces.push_back(text);
        return;
    }
    const std::size_t first = pieces.size();
    splitWith(m_splits[0], text, pieces);
    for (std::size_t s = 1; s < m_splits.size(); ++s) {
        std::vector<std::string_view> current(pieces.begin() + first, pieces.end());
        pieces.resize(first);
        for (auto piece : current)
            splitWith(m_splits[s], piece, pieces);
    }
}

} // namespace lieq::tok
