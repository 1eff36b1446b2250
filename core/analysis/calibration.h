#pragma once

#include "core/analysis/diagnostics_result.h"
#include "core/analysis/diagnostics_settings.h"

#include <cstdint>
#include <vector>

namespace lieq {
class Tokenizer;
}

// Calibration windows for the diagnostics: the corpus is tokenized once (documents of a JSONL
// file joined by "\n\n", the way GPTQ joins WikiText rows), then `samples` start positions are
// drawn uniformly from [0, tokens - seqlen] with a std::mt19937_64 seeded by spec.seed, as
// GPTQ's calibration loader does. Windows may overlap; the starts are recorded.
namespace lieq::analysis {

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

} // namespace lieq::analysis
