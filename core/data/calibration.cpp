#include "core/data/calibration.h"

#include "core/data/corpus.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"

#include <random>

namespace lieq {

CalibrationSet sampleCalibrationTokens(const std::vector<std::int32_t> &tokens,
                                       const CalibrationSpec &spec)
{
    const std::string where = spec.path.empty() ? std::string("calibration tokens") : spec.path;
    if (spec.samples < 1)
        throw Error(where, "calibration needs at least one sample, got " +
                               std::to_string(spec.samples));
    if (spec.seqlen < 2)
        throw Error(where, "calibration sequence length must be at least 2, got " +
                               std::to_string(spec.seqlen));
    const auto n = static_cast<std::int64_t>(tokens.size());
    if (n < spec.seqlen)
        throw Error(where, "the text has " + std::to_string(n) + " tokens, fewer than one window of " +
                               std::to_string(spec.seqlen));

    CalibrationSet set;
    set.samples = spec.samples;
    set.seqlen = spec.seqlen;
    static_cast<CalibrationSpec &>(set.info) = spec;
    set.info.corpusTokens = n;
    set.ids.reserve(static_cast<std::size_t>(spec.samples * spec.seqlen));
    // Plain modulo of a 64-bit draw: the bias is below 2^-40 for any real corpus, and unlike
    // std::uniform_int_distribution the sequence is the same with every standard library.
    std::mt19937_64 rng(spec.seed);
    const auto positions = static_cast<std::uint64_t>(n - spec.seqlen + 1);
    for (std::int64_t i = 0; i < spec.samples; ++i) {
        const auto start = static_cast<std::int64_t>(rng() % positions);
        set.info.starts.push_back(start);
        set.ids.insert(set.ids.end(), tokens.begin() + start, tokens.begin() + start + spec.seqlen);
    }
    return set;
}

CalibrationSet sampleCalibration(const Tokenizer &tokenizer, const CalibrationSpec &spec)
{
    const Corpus corpus = Corpus::fromFile(spec.path, spec.field);
    const std::vector<std::int32_t> tokens = tokenizer.encode(corpus.joined("\n\n"), true);
    return sampleCalibrationTokens(tokens, spec);
}

} // namespace lieq
