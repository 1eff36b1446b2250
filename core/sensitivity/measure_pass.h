#pragma once

#include "core/data/token_windows.h"
#include "core/quant/pipeline.h"
#include "core/util/progress.h"

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace lieq {
class Model;
}

// The "measure" pass: what quantization actually does to each layer, measured rather than
// predicted. For every decoder layer l, with the chosen backend (RTN, GPTQ, AWQ):
//
//  * isolated sensitivity: only layer l quantized to the low bit-width (calibrated on the FP
//    model's inputs to l), KL(P_FP16 || P) on the probe windows -- klLow;
//  * gain of raising l: the all-low plan quantized sequentially (as the pipeline does), and the
//    same plan with layer l at the high bit-width (quantized on the all-low prefix's inputs to
//    l); gain = KL(all-low) - KL(l raised). Layers after l keep their all-low weights (they are
//    not recalibrated on the changed inputs), the one shortcut against a full pipeline run per
//    plan; docs/results.md compares these gains with full one-layer pipeline runs.
//
// Reuse: the FP inputs of every layer on the probe windows are kept (probe x seqlen x hidden
// floats per layer), so each measurement runs only layers l..L-1; the FP reference
// log-probabilities are cached when they fit in referenceCacheBytes, else recomputed from the
// cached final hidden states. Cost: 3L layer quantizations, L(L+1) probe layer forwards plus
// 2L calibration and 2L probe layer forwards, 2L+1 heads (result.cost says what ran and the
// multiple of one FP forward over the same windows, timed in the same run).
//
// The model must be the FP model, resident or streamed; its linears are overridden during the
// pass and restored (Decoder::clearLinearOverrides) before returning or throwing.
namespace lieq::sensitivity {

struct MeasureSettings
{
    int lowBits = 2;
    int highBits = 4;
    PipelineSettings backend;             // method, group size, GPTQ/AWQ options
    bool isolated = true;                 // klLow per layer
    bool gains = true;                    // klRaised and gain per layer
    std::int64_t referenceCacheBytes = 256ll << 20;

    // Canonical JSON (sorted keys) of what changes the numbers.
    std::string json() const;
};

struct LayerSensitivity
{
    int layer = 0;
    double klLow = std::numeric_limits<double>::quiet_NaN();    // only this layer at low bits
    double top1Low = std::numeric_limits<double>::quiet_NaN();
    double klRaised = std::numeric_limits<double>::quiet_NaN(); // all low, this layer high
    double top1Raised = std::numeric_limits<double>::quiet_NaN();
    double gain = std::numeric_limits<double>::quiet_NaN();     // klAllLow - klRaised
};

struct MeasureCost
{
    std::int64_t layerQuantizations = 0;
    std::int64_t probeLayerForwards = 0;       // layer evaluations over the probe windows
    std::int64_t calibrationLayerForwards = 0; // incl. the backends' capture forwards
    std::int64_t headEvaluations = 0;          // over the probe windows
    bool referenceCached = false;
    std::int64_t referenceBytes = 0;           // cached FP log-probabilities (0: recomputed)
    std::int64_t cachedInputBytes = 0;         // probe inputs kept per layer (FP and all-low)
    double forwardSeconds = 0;                 // one FP forward over calibration + probe windows
    double seconds = 0;                        // the whole pass
    double forwardMultiple = 0;                // seconds / forwardSeconds
};

struct MeasureResult
{
    MeasureSettings settings;
    std::vector<LayerSensitivity> layers;
    double klAllLow = std::numeric_limits<double>::quiet_NaN();
    double top1AllLow = std::numeric_limits<double>::quiet_NaN();
    std::int64_t calibrationWindows = 0;
    std::int64_t probeWindows = 0;
    std::int64_t seqlen = 0;                   // of the probe windows
    std::string device;
    MeasureCost cost;

    std::vector<double> klLow() const;         // per layer, layer order
    std::vector<double> gains() const;
};

// Called once per finished measurement (stage "isolated" or "gain"), on the calling thread.
using MeasureLayerFn = std::function<void(const std::string &stage, const LayerSensitivity &)>;

// Throws lieq::Error for empty or inconsistent windows, bits outside {2, 3, 4, 8} or low >= high,
// nothing selected; lieq::Cancelled when progress returns false (stage "measure"; done counts
// quantized layers and KL evaluations).
// `calibration`: the backend's calibration windows (count x seqlen); `probe`: where the KL is
// measured. Both as plain windows (TokenWindows::fromTokens(calibrationSet.ids, seqlen)).
MeasureResult runMeasurePass(Model &model, const TokenWindows &calibration,
                             const TokenWindows &probe, const MeasureSettings &settings,
                             const MeasureLayerFn &onLayer = {}, const ProgressFn &progress = {});

} // namespace lieq::sensitivity
