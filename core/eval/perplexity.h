#pragma once

#include "core/util/progress.h"

#include <cstdint>
#include <vector>

namespace lieq {

class Model;
struct TokenWindows;

struct PerplexityOptions
{
    std::int64_t batch = 1;      // windows per layer-major forward
    std::vector<int> skipLayers; // layers replaced by the identity (dPPL)
};

struct PerplexityResult
{
    double ppl = 0;              // exp(nllSum / tokens)
    double nllSum = 0;           // nats over all predicted tokens
    std::int64_t tokens = 0;     // predicted tokens: windows * (seqlen - 1)
    std::int64_t windows = 0;
    std::int64_t seqlen = 0;
    double seconds = 0;
    double tokensPerSecond = 0;  // processed tokens (windows * seqlen) per second
    std::vector<double> windowNll; // summed NLL per window
};

// Perplexity over non-overlapping windows, the GPTQ way: each window is evaluated on its own
// (no context carried over), every token but the first of a window is predicted, and
// ppl = exp(sum NLL / predicted tokens). That equals GPTQ's exp(mean over windows of the mean
// loss), since every window has seqlen - 1 predictions. Progress: stage "perplexity",
// done = windows finished, reported per window batch and per layer; returning false throws
// lieq::Cancelled.
PerplexityResult evaluatePerplexity(Model &model, const TokenWindows &windows,
                                    const PerplexityOptions &options = {},
                                    const ProgressFn &progress = {});

} // namespace lieq
