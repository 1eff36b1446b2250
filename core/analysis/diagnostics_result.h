#pragma once

#include "core/analysis/diagnostics_settings.h"

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

// Results of a layer-diagnostics run: plain structs, filled layer by layer. Absent values are
// NaN (e.g. dppl when only spectra were asked for).
namespace lieq::analysis {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Compactness and top-k energy of one projection (or one head of q/k/v): Z = W h against
// Z~ = W~ h on the same inputs h.
struct ProjectionDiagnostics
{
    int layer = 0;
    std::string projection;      // "q", "k", "v", "o", "gate", "up", "down"
    int head = -1;               // >= 0 for per-head rows
    std::int64_t rank = 0;       // min(tokens, in, out): number of singular values
    std::int64_t k = 0;          // top-k used for E_k
    double compactTrained = kNaN; // Compact(Z) = exp(H(s^2 / sum s^2))
    double compactRandom = kNaN;  // Compact(Z~)
    double dr = kNaN;             // (Compact(Z~) - Compact(Z)) / Compact(Z~)
    double energyTrained = kNaN;  // E_k(Z)
    double energyRandom = kNaN;   // E_k(Z~)
    double dE = kNaN;             // E_k(Z) - E_k(Z~)
    std::string route;            // how the Gram matrix was formed: "wcw", "rar", "zz-out", "zz-tok"
};

struct LayerDiagnostics
{
    int layer = 0;
    double pplSkipped = kNaN;     // PPL with this layer replaced by the identity
    double dppl = kNaN;           // pplSkipped - pplBase
    double dr = kNaN;             // layer score: mean over projections (heads averaged first)
    double dE = kNaN;             // mean dE over projections (same averaging)
    double compactTrained = kNaN; // mean Compact(Z) over projections
    double compactRandom = kNaN;
    std::vector<ProjectionDiagnostics> projections; // 7 rows, execution order
    std::vector<ProjectionDiagnostics> heads;       // per-head q/k/v rows (perHead only)
};

// Work done, in layer evaluations (one decoder layer over all calibration tokens) and head
// evaluations (final norm + LM head + NLL over all tokens), beside what L+1 independent full
// passes would need (naive: L + L(L-1) layer evaluations, L+1 head evaluations).
struct DiagnosticsCost
{
    std::int64_t layerEvaluations = 0;
    std::int64_t headEvaluations = 0;
    std::int64_t naiveLayerEvaluations = 0;
    std::int64_t naiveHeadEvaluations = 0;
    std::int64_t recomputedLayers = 0;    // layer inputs not cached (budget) and recomputed
    std::int64_t cachedLayers = 0;        // layer inputs kept from the baseline pass
    std::int64_t cachedBytes = 0;         // peak bytes of cached layer inputs
    // Estimated dPPL cost / naive cost in multiply-adds (layers and head weighted by their
    // per-token MACs), for models where the head is large (Qwen: 152k vocabulary).
    double dpplCostRatio = kNaN;
};

struct DiagnosticsTimings
{
    double baselineSeconds = 0;   // baseline pass (layers, captures, head) without spectra
    double spectralSeconds = 0;   // Gram matrices and eigenvalues
    double dpplSeconds = 0;       // skip passes
    double totalSeconds = 0;
};

struct DiagnosticsResult
{
    CalibrationInfo calibration;
    DiagnosticsSettings settings;
    double initStd = kNaN;        // std actually used for W~
    std::string variant;
    double pplBase = kNaN;
    int numLayers = 0;
    std::vector<LayerDiagnostics> layers; // index = layer; filled as stages complete
    DiagnosticsCost cost;
    DiagnosticsTimings timings;
    std::string device;           // "cpu", "cuda:0"
};

// Which part of a layer's result just completed.
enum class DiagnosticsStage { Spectral, Dppl };

// Called once per layer and stage as soon as that part is final (spectra during the baseline
// pass, dPPL during the skip passes), on the calling thread.
using LayerResultFn = std::function<void(DiagnosticsStage, const LayerDiagnostics &)>;

} // namespace lieq::analysis
