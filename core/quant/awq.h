#pragma once

#include "core/quant/matrix_view.h"
#include "core/quant/quant_config.h"
#include "core/util/progress.h"

#include <cstdint>
#include <vector>

namespace lieq {

// AWQ settings (Lin et al. 2023; defaults of AutoAWQ).
struct AwqOptions
{
    QuantConfig quant;
    int gridSize = 20;           // alphas 0, 1/20, ..., 19/20
    bool duoScaling = true;      // s = x_mean^a / w_mean^(1-a) instead of x_mean^a
    std::int64_t maxTokens = 0;  // tokens used by the scale search (evenly strided); 0 = all
    int clipGrid = 20;           // clip candidates max * (1 - i/clipGrid) ...
    double maxShrink = 0.5;      // ... for i < maxShrink * clipGrid
    std::int64_t clipTokens = 512; // tokens sampled (strided) by the clip search
};

struct AwqScaleResult
{
    // Per input channel. The linears are used as W * s (columns scaled) and the op producing
    // their shared input must divide by s: see scale_folding.h.
    std::vector<float> scales;
    double alpha = 0.0;               // the chosen exponent
    double error = 0.0;               // output MSE of the chosen scales
    double unscaledError = 0.0;       // output MSE of plain RTN (s = 1)
    std::vector<double> gridErrors;   // output MSE for each alpha of the grid
    double seconds = 0.0;
};

// Searches the activation-aware scale for linears that share one input (q,k,v after
// input_layernorm; gate,up after post_attention_layernorm; ...): for each alpha, quantizes
// every W * s with RTN, and keeps the alpha whose quantized outputs Q(W s) (x / s) on the
// calibration inputs x [tokens, in] are closest (MSE) to the float outputs W x.
AwqScaleResult awqSearchScales(MatrixView x, const std::vector<MatrixView> &weights,
                               const AwqOptions &options, const ProgressFn &progress = {});

struct AwqClipResult
{
    std::vector<float> maxValues; // rows * numGroups: W[r, group g] is clamped to +-maxValues
    std::int64_t numGroups = 0;
    std::int64_t groupSize = 0;   // effective columns per group
    double errorBefore = 0.0;     // mean per-group output MSE without clipping
    double errorAfter = 0.0;      // with the chosen clipping
};

// Per (output row, group) search of the clipping threshold max|w| * (1 - i/clipGrid) that
// minimises that group's partial output error on x. Run on the already scaled weight with the
// scaled input x / s. AutoAWQ skips it for q and k (their errors meet in the attention scores).
AwqClipResult awqSearchClip(MatrixView weight, MatrixView x, const AwqOptions &options);

// Clamps each group of `weight` to +-maxValues in place.
void applyAwqClip(MatrixSpan weight, const AwqClipResult &clip);

} // namespace lieq
