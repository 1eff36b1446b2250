#pragma once

#include "core/quant/matrix_view.h"

#include <span>

namespace lieq {

// AWQ's equivalent transformation: a linear reading input x computes W x = (W s)(x / s). The
// linears take W * s (scaleInputChannels) and the op that produces x absorbs 1 / s, so the
// float model's function is unchanged. All spans hold one value per scaled channel.

// W[:, c] *= s[c] for a [out, in] weight.
void scaleInputChannels(MatrixSpan weight, std::span<const float> scales);

// x[:, c] /= s[c] for [tokens, in] activations (what the scaled linears see after folding).
void divideInputChannels(MatrixSpan x, std::span<const float> scales);

// RMSNorm / LayerNorm producing x: weight[c] /= s[c] (and bias[c] /= s[c] for LayerNorm).
void foldScalesIntoNorm(std::span<float> normWeight, std::span<const float> scales,
                        std::span<float> normBias = {});

// Linear producing x ([in_next, in_prev] weight, e.g. v_proj before o_proj, up_proj before
// down_proj): row c /= s[c], bias[c] /= s[c].
void foldScalesIntoLinear(MatrixSpan prevWeight, std::span<const float> scales,
                          std::span<float> prevBias = {});

} // namespace lieq
