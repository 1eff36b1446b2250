#pragma once

#include <cstdint>
#include <string>
#include <vector>

// Per-layer scores that rank a model's layers for allocation, from a stored analysis run:
// "dr" (representational compactness, LieQ's ranking), "dE" (top-k spectral energy; "energy"
// is accepted) or "dppl" (the measured perplexity drop when the layer is skipped: the oracle
// the other two try to predict). Higher = keep more precision.
namespace lieq {

// "dr", "dE" or "dppl" for the accepted spellings; throws lieq::Error naming the choices.
std::string canonicalScoreMetric(const std::string &name);

struct StoredLayerScores
{
    std::int64_t runId = 0;
    std::string metric;          // canonical
    std::string modelPath;       // the analysed model folder as stored
    std::vector<double> scores;  // one per layer, layer order
};

// Loads the layer metric `metric` of analysis run `runId` from the store ("" = default path).
// Throws lieq::Error naming the store when the run is missing, not finished, or lacks the
// metric (or a finite value of it) for some layer.
StoredLayerScores loadStoredLayerScores(const std::string &storePath, std::int64_t runId,
                                        const std::string &metric);

} // namespace lieq
