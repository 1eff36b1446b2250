#pragma once
// Internal (torch) header of the diagnostics: ui/ and app/ never include it.
//
// Spectra of Z = W h and Z~ = W~ h for the seven projections of one layer, from the inputs h
// the decoder captures on the baseline pass (see captured_input_impl.h for the Gram routes).

#include "core/analysis/captured_input_impl.h"
#include "core/analysis/diagnostics_result.h"
#include "core/io/projection.h"

#include <torch/torch.h>

#include <array>
#include <cstdint>
#include <functional>
#include <string>

namespace lieq {
struct LayerWeights;
}

namespace lieq::analysis {

// Collects one layer's projection inputs during the forward and turns them into metrics.
class LayerSpectra
{
public:
    LayerSpectra(const DiagnosticsSettings &settings, double initStd, std::int64_t headDim);

    // The decoder's capture callback for this layer (q/k/v and gate/up share an input).
    void capture(Projection p, const torch::Tensor &input);
    // After the layer ran: metrics of all projections (and heads). `checkCancel` is called
    // between projections and may throw lieq::Cancelled.
    LayerDiagnostics compute(int layer, const LayerWeights &weights,
                             const std::function<void(const std::string &)> &checkCancel);
    void clear();

private:
    torch::Tensor randomWeight(int layer, Projection p, std::int64_t out, std::int64_t in) const;
    ProjectionDiagnostics metrics(int layer, Projection p, int head, const EnergyPair &e) const;

    DiagnosticsSettings m_settings;
    double m_initStd;
    std::int64_t m_headDim;
    std::array<CapturedInput, kAllFusedGroups.size()> m_inputs; // one input per fused group
};

} // namespace lieq::analysis
