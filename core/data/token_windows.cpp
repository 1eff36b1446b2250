#include "core/data/token_windows.h"

#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"

#include <algorithm>

namespace lieq {

std::span<const std::int32_t> TokenWindows::window(std::int64_t i) const
{
    if (i < 0 || i >= count)
        throw Error("window " + std::to_string(i) + " out of range (" + std::to_string(count) +
                    " windows)");
    return {ids.data() + i * seqlen, static_cast<std::size_t>(seqlen)};
}

std::vector<std::int32_t> TokenWindows::range(std::int64_t first, std::int64_t n) const
{
    first = std::clamp<std::int64_t>(first, 0, count);
    const std::int64_t last = std::clamp<std::int64_t>(first + n, first, count);
    return {ids.begin() + first * seqlen, ids.begin() + last * seqlen};
}

TokenWindows TokenWindows::fromTokens(const std::vector<std::int32_t> &tokens, std::int64_t seqlen,
                                      std::int64_t maxWindows)
{
    if (seqlen < 2)
        throw Error("sequence length must be at least 2, got " + std::to_string(seqlen));
    TokenWindows w;
    w.seqlen = seqlen;
    w.sourceTokens = static_cast<std::int64_t>(tokens.size());
    w.count = w.sourceTokens / seqlen;
    if (maxWindows >= 0)
        w.count = std::min(w.count, maxWindows);
    w.droppedTokens = w.sourceTokens - w.count * seqlen;
    w.ids.assign(tokens.begin(), tokens.begin() + w.count * seqlen);
    return w;
}

TokenWindows TokenWindows::fromText(const Tokenizer &tokenizer, const std::string &text,
                                    std::int64_t seqlen, std::int64_t maxWindows)
{
    return fromTokens(tokenizer.encode(text, /*addSpecial=*/true), seqlen, maxWindows);
}

} // namespace lieq
