#pragma once

#include "core/analysis/diagnostics_result.h"
#include "core/analysis/statistics.h"

#include <cstdint>
#include <string>
#include <vector>

// How well the cheap diagnostics (dr, dE) rank layers like the expensive one (dPPL): DESIGN.md
// "The method" item 4. Pearson, Spearman and Kendall tau-b with p-values and seeded percentile
// bootstrap intervals, across the layers where both values are finite.
namespace lieq::analysis {

struct MetricCorrelation
{
    std::string x;               // "dppl"
    std::string y;               // "dr" or "dE"
    std::size_t n = 0;           // layers used
    Correlation pearson, spearman, kendall;
    ConfidenceInterval pearsonCi, spearmanCi, kendallCi;
};

// Pairs (dppl, dr) and (dppl, dE) present in the result with at least 3 finite layers.
std::vector<MetricCorrelation> correlateDiagnostics(const DiagnosticsResult &result,
                                                    int bootstrapResamples = 2000,
                                                    std::uint64_t seed = 20250806);

// The per-layer metric by name ("dppl", "dr", "dE", "ppl_skipped", "compact"), NaN where absent.
std::vector<double> layerMetric(const DiagnosticsResult &result, const std::string &name);

} // namespace lieq::analysis
