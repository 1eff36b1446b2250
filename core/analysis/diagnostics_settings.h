#pragma once

#include "core/data/calibration.h"

#include <cstdint>
#include <string>

// What a layer-diagnostics run computes and how (DESIGN.md "The method", items 1-3). Torch-free:
// the CLI, GUI and store fill it directly. Everything that changes a number is in here, so the
// canonical JSON of these settings (plus model and data hashes) identifies a run for reuse.
namespace lieq::analysis {

struct DiagnosticsSettings
{
    bool dppl = true;            // perplexity drop per layer (L+1 evaluations, cached)
    bool compact = true;         // effective rank dr per projection and layer
    bool energy = true;          // top-k energy dE (shares the spectra with compact)
    bool perHead = false;        // also q/k/v per head; their mean replaces the projection score
    std::uint64_t initSeed = 0;  // seed of the random reference weights W~
    double initStd = 0;          // <= 0: the model config's initializer_range
    double topKFrac = 0.01;      // k = max(1, round(topKFrac * rank))
    // Bytes of cached layer inputs kept for the dPPL pass; layers beyond the budget are
    // recomputed from the previous layer's input (one extra layer evaluation each).
    // -1: a quarter of physical memory.
    std::int64_t cacheBudgetBytes = -1;

    bool spectral() const { return compact || energy; }
    // "dppl,compact,energy" (the ones enabled, in this order).
    std::string metricsList() const;
    // Parses "dppl,compact,energy" (any subset, any order); unknown names throw lieq::Error.
    void setMetrics(const std::string &list);
    // How the layer score is formed: "proj-mean" or "proj-mean+heads-qkv".
    std::string variant() const;
};

// k for a spectrum of `rank` values: max(1, round(frac * rank)), at most rank.
std::int64_t topKFor(std::int64_t rank, double frac);

// Canonical JSON (sorted keys) of everything that changes the numbers: metrics, calibration
// (samples, seqlen, seed, field), init seed and std actually used, top-k fraction, variant and
// an algorithm version. The cache budget is left out (it changes cost, not results).
std::string diagnosticsSettingsJson(const CalibrationSpec &calibration,
                                    const DiagnosticsSettings &settings, double resolvedInitStd);

} // namespace lieq::analysis
