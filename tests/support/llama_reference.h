#pragma once

// llama.cpp as a reference: runs tests/node/llama_logits.mjs (npm node-llama-cpp, prebuilt CPU
// binary, offline) on a GGUF file and returns its log-probabilities. Usage in a test:
//
//   lieq::exportGguf(lieq::Checkpoint(dir), gguf);            // core/io/gguf_export.h
//   std::string why;
//   const auto ref = lieq::test::llamaLogProbs(gguf, ids, &why);
//   if (!ref) QSKIP(why.c_str());                              // node or packages absent
//   ref->logProbs[pos * ref->vocab + token]                    // log p(token | ids[0..pos])

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lieq::test {

struct LlamaReference
{
    std::int64_t positions = 0;
    std::int64_t vocab = 0;
    std::vector<float> logProbs; // positions x vocab, row-major, natural log
    std::vector<std::int32_t> top1;
};

// Evaluates `ids` (no BOS added) in one llama.cpp sequence. Returns nullopt and sets *whyNot
// when node or the npm packages are missing (tests then QSKIP); throws lieq::Error when the
// script runs but fails (a GGUF llama.cpp refuses is a real failure).
std::optional<LlamaReference> llamaLogProbs(const std::string &gguf, const std::vector<std::int32_t> &ids,
                                            std::string *whyNot = nullptr, int timeoutSeconds = 180);

} // namespace lieq::test
