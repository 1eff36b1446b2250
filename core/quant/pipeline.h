#pragma once

#include "core/alloc/bit_plan.h"
#include "core/data/calibration.h"
#include "core/io/projection.h"
#include "core/util/progress.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace lieq {

class Model;

// The sequential quantization pipeline (GPTQ reference style): one decoder layer at a time,
// calibration hidden states carried from layer to layer. Within a layer the module groups run
// in true-sequential order (q,k,v) -> o -> (gate,up) -> down: each group's inputs are captured
// with the earlier groups already quantized, its statistics accumulated, its modules quantized
// at the plan's bits (16 = left in float) and installed in the model (Decoder::setLinear).
// Then the layer is run again with its quantized weights and that output feeds the next layer,
// so quantization errors propagate as they will at inference.
//
// AWQ follows AutoAWQ inside a layer: inputs captured once, scales searched for the pairs
// input_layernorm -> q,k,v; v -> o (only when v's outputs are o's inputs, i.e. no GQA);
// post_attention_layernorm -> gate,up; up -> down; folded (norm scales are held by the
// quantized ops until saving), clip search (not for q, k), then RTN at the plan's bits.
enum class QuantMethod { Rtn, Gptq, Awq };

std::string quantMethodName(QuantMethod m);                  // "rtn", "gptq", "awq"
QuantMethod quantMethodFromName(const std::string &name);    // throws lieq::Error

struct PipelineSettings
{
    QuantMethod method = QuantMethod::Gptq;
    int groupSize = 128;            // -1: one group per output row
    bool symmetric = false;
    bool actOrder = false;          // GPTQ
    bool staticGroups = false;      // GPTQ
    double dampPercent = 0.01;      // GPTQ
    int blockSize = 128;            // GPTQ lazy-batch block
    int awqGrid = 20;               // AWQ alpha grid
    bool awqDuoScaling = true;
    bool awqClip = true;
    std::int64_t awqMaxTokens = 8192; // tokens the AWQ searches use (strided); 0 = all
    // true: layer l+1 is calibrated on quantized layer l's outputs (the reference); false: on
    // the float outputs (AutoAWQ's choice; kept for comparison).
    bool propagateQuantized = true;
    // Keep a dense copy of quantized weights on a non-CPU device (the CPU always runs the packed
    // kernels): -1 = when the model is resident, 0 = never, 1 = always.
    int cacheDense = -1;
    // Output error of every quantized module on the calibration inputs (ModuleReport's
    // outputError/relativeError): -1 = for GPTQ and AWQ, which capture those inputs anyway, not
    // for RTN, which then needs no calibration forward at all and runs at the speed of reading
    // the weights; 0 = never; 1 = always. Unmeasured errors are NaN. Does not change the weights.
    int moduleErrors = -1;
    bool wantsModuleErrors() const;

    // Canonical JSON of everything that changes the numbers (sorted keys).
    std::string json() const;
    // Settings back from json() text (other keys, e.g. a stored run's "calibration", are
    // ignored; absent ones keep their defaults). Throws lieq::Error naming `source`.
    static PipelineSettings fromJson(const std::string &text, const std::string &source);
};

struct ModuleReport
{
    int layer = 0;
    Projection projection = Projection::Q; // projectionModuleName: "q_proj", ..., "down_proj"
    int bits = 16;                 // 16: kept in float
    std::string kind;              // the installed op's kind(), e.g. "q4g128"
    // Squared output error on this module's calibration inputs, per token, summed over output
    // features: ||W X - Q X||^2 / tokens (for AWQ in the unscaled input space).
    double outputError = 0;
    double relativeError = 0;      // outputError / (||W X||^2 / tokens)
    double backendLoss = 0;        // GPTQ: the reference's loss; AWQ: search MSE; RTN: = outputError
    double seconds = 0;            // statistics + search + quantization of this module
    double awqAlpha = -1;          // AWQ: chosen exponent of the module's scaling pair
    int dampRetries = 0;           // GPTQ
};

struct PipelineResult
{
    std::vector<ModuleReport> modules; // layer order, then q,k,v,o,gate,up,down
    std::int64_t calibrationTokens = 0;
    std::int64_t quantizedParams = 0;  // weights of quantized modules
    std::int64_t floatParams = 0;      // weights of decoder linears left at 16 bits
    double nominalBits = 0;            // parameter-weighted bits over decoder linears
    double captureSeconds = 0;         // (partial) layer forwards that captured statistics
    double quantizeSeconds = 0;        // backend work (search, GPTQ, RTN)
    double forwardSeconds = 0;         // layer forwards producing the next layer's input
    double totalSeconds = 0;
    // Decoder-layer evaluations begun over the calibration batch; RTN/GPTQ capture forwards stop
    // at the captured projection, so these are not all whole layers.
    std::int64_t layerForwards = 0;
};

// Test/diagnostic hooks, called on the calling thread.
struct PipelineObserver
{
    // The hidden states entering `layer` during calibration: count * seqlen * hidden floats.
    std::function<void(int layer, const std::vector<float> &hidden)> onLayerInput;
    // After each module is done (quantized and installed, or kept).
    std::function<void(const ModuleReport &)> onModule;
};

// Quantizes `model` in place (its decoder's linears are replaced). Throws lieq::Error for a plan
// that does not match the model or bad settings/calibration, lieq::Cancelled when progress
// returns false (stage "quantize", done = modules finished of 7 x layers; the model is then
// partly quantized and must be discarded). Progress is polled between modules and inside GPTQ
// and AWQ searches.
PipelineResult quantizeModel(Model &model, const alloc::BitPlan &plan,
                             const CalibrationSet &calibration,
                             const PipelineSettings &settings, const ProgressFn &progress = {},
                             const PipelineObserver &observer = {});

// Uniform plan: every decoder layer of `model` at `bits` (2, 3, 4, 8 or 16), with the layer
// shapes filled in so that sizes and nominal bits are exact (alloc::uniformPlan).
alloc::BitPlan uniformPlan(const Model &model, int bits);

} // namespace lieq
