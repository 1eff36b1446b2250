#pragma once

#include "core/data/calibration.h"
#include "core/analysis/diagnostics_result.h"
#include "core/analysis/diagnostics_settings.h"
#include "core/util/progress.h"

namespace lieq {
class Model;
}

// The LieQ layer diagnostics on one model and one calibration set (DESIGN.md "The method",
// items 1-3), in two passes over the decoder:
//
// 1. Baseline pass, layer-major over all windows: each layer's projection inputs are captured
//    and turned into compactness / top-k energy rows right after the layer ran (streamed as
//    DiagnosticsStage::Spectral), each layer's input hidden states are cached (up to the
//    budget), and the final hidden states give PPL_base.
// 2. dPPL pass: for l = 0..L-1 the cached input of layer l (or, past the budget, the previous
//    layer's input run through one layer) goes through layers l+1..L-1 and the head, which is
//    PPL with layer l as the identity; streamed as DiagnosticsStage::Dppl.
//
// Cost: L + L(L-1)/2 layer evaluations (+ one per uncached layer) and L+1 head evaluations,
// against L + L(L-1) and L+1 for naive full passes (result.cost holds both).
//
// Cancel contract: progress is polled before every layer evaluation and between the
// projections of a layer's spectra, so a cancel takes effect within one layer's work by
// throwing lieq::Cancelled. A layer's rows are delivered to onLayer only once complete, so
// what the callback received before the throw is exactly what exists; nothing is partial.
namespace lieq::analysis {

// Throws lieq::Error for an empty metric set or calibration windows that do not fit the model.
DiagnosticsResult runDiagnostics(Model &model, const CalibrationSet &calibration,
                                 const DiagnosticsSettings &settings,
                                 const LayerResultFn &onLayer = {},
                                 const ProgressFn &progress = {});

// Reference for tests and benchmarks: L+1 independent full passes (Model::windowNll with
// skipLayers). Returns PPL_base followed by PPL_{\l} for every layer l.
std::vector<double> naiveLayerPerplexities(Model &model, const CalibrationSet &calibration,
                                           const ProgressFn &progress = {});

} // namespace lieq::analysis
