#pragma once

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
};

// Every window on its own (as evaluatePerplexity); positions 0..seqlen-2 of each window, whose
// next tokens are the predicted ones. Throws lieq::Error when the vocabularies differ or there
// is no window; progress: stage "kl divergence", done = windows finished (false cancels).
KlDivergenceResult evaluateKlDivergence(Model &reference, Model &model, const TokenWindows &windows,
                                        const ProgressFn &progress = {});

} // namespace lieq
