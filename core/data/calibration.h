#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lieq {

class Tokenizer;

// The calibration defaults every front end and job uses: 32 windows x 512 tokens = 16384
// tokens, at least 4x the hidden size of every supported model (<= 4096), so the spectrum of
// Z = W h is limited by W rather than by too few tokens, and a GPTQ Hessian is well
// conditioned; 512 is the LieQ setting. The whole batch stays a few hundred MB of
// activations on the largest models.
inline constexpr std::int64_t kDefaultCalibrationSamples = 32;
inline constexpr std::int64_t kDefaultCalibrationSeqlen = 512;

// Calibration text: `samples` windows of `seqlen` tokens whose start positions are drawn
// (seeded) from the tokenized corpus.
struct CalibrationSpec
{
    std::string path;  // plain text (one document) or JSONL
    std::string field; // JSONL field ("" -> "text" for .jsonl, none for text files)
    std::int64_t samples = kDefaultCalibrationSamples;
    std::int64_t seqlen = kDefaultCalibrationSeqlen;
    std::uint64_t seed = 0; // window start positions
};

// What a calibration set was drawn from, as results record it: its spec (samples and seqlen 0
// until one is drawn) and what the draw found.
struct CalibrationInfo : CalibrationSpec
{
    CalibrationInfo()
    {
        samples = 0;
        seqlen = 0;
    }

    std::int64_t corpusTokens = 0;    // tokens of the whole corpus before sampling
    std::vector<std::int64_t> starts; // sampled window start positions (token offsets)
};

// The windows themselves: the corpus is tokenized once (documents of a JSONL file joined by
// "\n\n", the way GPTQ joins WikiText rows), then `samples` start positions are drawn
// uniformly from [0, tokens - seqlen] with a std::mt19937_64 seeded by spec.seed, as GPTQ's
// calibration loader does. Windows may overlap; the starts are recorded. The diagnostics and
// the quantization pipeline both take this set.
struct CalibrationSet
{
    std::vector<std::int32_t> ids; // samples * seqlen, row-major
    std::int64_t samples = 0;
    std::int64_t seqlen = 0;
    CalibrationInfo info;
};

// Throws lieq::Error naming the file when it cannot be read or holds fewer than seqlen tokens,
// and for samples < 1 or seqlen < 2.
CalibrationSet sampleCalibration(const Tokenizer &tokenizer, const CalibrationSpec &spec);

// The same from an already tokenized stream (tests, callers with their own tokens).
CalibrationSet sampleCalibrationTokens(const std::vector<std::int32_t> &tokens,
                                       const CalibrationSpec &spec);

} // namespace lieq
