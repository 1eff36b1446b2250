#pragma once
// Internal (torch) header of the quantization pipeline: the per-layer steps shared by
// pipeline.cpp (RTN, GPTQ) and pipeline_awq.cpp. ui/ and app/ never include it.

#include "core/model/decoder_impl.h"
#include "core/quant/gptq_impl.h"
#include "core/quant/pipeline.h"
#include "core/quant/quant_config.h"
#include "core/quant/quantized_linear_impl.h"

#include <array>
#include <memory>
#include <vector>

namespace lieq {

struct PipelineContext
{
    Decoder &dec;
    const PipelineSettings &settings;
    const ProgressFn &progress;
    const PipelineObserver &observer;
    PipelineResult result;
    std::int64_t done = 0;   // modules finished
    std::int64_t total = 0;  // 7 x layers
    bool cacheDense = true;

    void moduleStart(int layer, Projection p);          // reports progress; may cancel
    ProgressFn innerProgress(int layer, Projection p) const; // for GPTQ/AWQ inner loops
    void moduleDone(ModuleReport report);
};

// A report for one module of layer l at `bits` (16 = kept in float).
ModuleReport moduleReport(int layer, Projection p, int bits);
QuantConfig quantConfigFor(const PipelineSettings &s, int bits);

// Output error of `effective` against `reference` ([out, in] fp32, same input space) on the
// inputs summarised by h; fills report.outputError and relativeError.
void outputErrors(const torch::Tensor &effective, const torch::Tensor &reference,
                  const GptqHessian &h, ModuleReport &report);

std::shared_ptr<const QuantizedLinear> makeQuantized(QuantizedTensor t, const torch::Tensor &bias,
                                                     std::vector<float> inputScales,
                                                     bool cacheDense);

// Quantize and install every module of layer l (bits per Projection index) from the layer's
// calibration input `hidden` [count, seqlen, hidden].
// RTN without module errors: every layer straight from its weights, no inputs (bits per layer).
void quantizeRtnOnly(PipelineContext &ctx, const std::vector<std::array<int, 7>> &bits);
void quantizeLayerSequential(PipelineContext &ctx, int l, const torch::Tensor &hidden,
                             const std::array<int, 7> &bits);
void quantizeLayerAwq(PipelineContext &ctx, int l, const torch::Tensor &hidden,
                      const std::array<int, 7> &bits);

} // namespace lieq
