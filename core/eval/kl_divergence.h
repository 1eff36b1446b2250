#pragma once

#include "core/eval/kl_statistics.h"
#include "core/util/progress.h"

#include <cstdint>

namespace lieq {

class Model;
struct TokenWindows;

// How far a (quantized) model's next-token distributions are from a reference model's on the
// same windows: the measure of quantization damage that does not depend on how well the
// reference itself fits the text (llama.cpp's `perplexity --kl-divergence`). On text far from a
// model's training data, perplexity can move either way under small weight noise; the KL
// divergence to the reference only grows with the damage.
struct KlDivergenceResult
{
    double meanKl = 0;          // mean over predicted positions of KL(P_ref || P_model), nats
    double maxKl = 0;           // largest KL of one position
    double top1Agreement = 0;   // share of positions where both models' argmax agree
    double pplReference = 0;    // perplexity of each model on the same windows
    double pplModel = 0;
    std::int64_t positions = 0; // windows * (seqlen - 1)
    std::int64_t windows = 0;
    double seconds = 0;
    // Everything llama.cpp's --kl-divergence reports (the fields above are its headline
    // values, kept for existing callers).
    KlStatistics stats;
};

// Every window on its own (as evaluatePerplexity); positions 0..seqlen-2 of each window, whose
// next tokens are the predicted ones (llama.cpp scores only the second half of each chunk; here
// every position counts, as in the GPTQ perplexity). One pass: per window both models run and
// their logits are compared at once, so no logits file exists; the working memory is the two
// windows' logits (2 x seqlen x vocab floats) plus 8 bytes per position (stats.memoryBytes).
// Throws lieq::Error when the vocabularies differ or there is no window; progress: stage
// "kl divergence", done = windows finished (false cancels).
KlDivergenceResult evaluateKlDivergence(Model &reference, Model &model, const TokenWindows &windows,
                                        const ProgressFn &progress = {});

} // namespace lieq
