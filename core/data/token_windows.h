#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace lieq {

class Tokenizer;

// A token stream cut into non-overlapping windows of `seqlen` ids; the tail that does not
// fill a window is dropped (the GPTQ perplexity protocol).
struct TokenWindows
{
    std::vector<std::int32_t> ids; // count * seqlen, row-major
    std::int64_t seqlen = 0;
    std::int64_t count = 0;
    std::int64_t sourceTokens = 0;  // tokens in the stream before cutting
    std::int64_t droppedTokens = 0; // remainder plus windows beyond maxWindows

    std::span<const std::int32_t> window(std::int64_t i) const;
    // Ids of windows [first, first + n) (clamped), contiguous.
    std::vector<std::int32_t> range(std::int64_t first, std::int64_t n) const;

    // maxWindows < 0: all whole windows.
    static TokenWindows fromTokens(const std::vector<std::int32_t> &tokens, std::int64_t seqlen,
                                   std::int64_t maxWindows = -1);
    // Tokenizes `text` once (with the tokenizer's special tokens, e.g. a leading BOS, as
    // transformers does for the whole joined string), then cuts it.
    static TokenWindows fromText(const Tokenizer &tokenizer, const std::string &text,
                                 std::int64_t seqlen, std::int64_t maxWindows = -1);
};

} // namespace lieq
