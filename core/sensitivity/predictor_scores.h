#pragma once

#include "core/alloc/allocator.h"
#include "core/analysis/statistics.h"

#include <string>
#include <utility>
#include <vector>

// How well each predictor of layer importance (dPPL, dr, dE, the measured isolated sensitivity,
// the baseline rules' orders) serves allocation on one model, judged against the measured gains
// of the measure pass. The headline is the share of the best achievable gain that the
// predictor's own plan captures at the budget: rank correlation alone misleads when most gains
// are noise-sized and one layer matters (issue 16: on the 8-layer demo model dr had Spearman
// +0.91 with the gains yet its plan captured 1.7% of the best gain).
namespace lieq::sensitivity {

struct PredictorScore
{
    std::string name;
    std::vector<double> scores;         // higher = protect first, per layer of the request
    std::vector<int> protectedLayers;   // what its plan raises at the budget
    double capturedGain = 0;            // summed measured gain of those layers (nats of KL)
    double share = 0;                   // capturedGain / best achievable (NaN when that is <= 0)
    int topChoice = -1;                 // its highest-scored layer
    int topChoiceRank = 0;              // that layer among all single-layer plans by gain, 1 = best
    analysis::Correlation spearman;     // with the measured gains, across layers
    analysis::Correlation kendall;
    analysis::ConfidenceInterval spearmanCi; // percentile bootstrap over layers
    analysis::ConfidenceInterval kendallCi;
};

struct PredictorReport
{
    double budget = 0;
    std::vector<int> bestLayers;        // the knapsack on measured gains
    double bestGain = 0;
    std::vector<PredictorScore> predictors; // in the order given
    std::string winner;                 // largest share (first listed among equals); "" if none
};

struct PredictorOptions
{
    int resamples = 2000;
    std::uint64_t seed = 20250806;
    double level = 0.95;
};

// `request`: layers, budget, bits, pins, allocation method of the comparison; `gains`: measured
// gain per request layer; `predictors`: name and one score per request layer. Each predictor's
// plan is alloc::allocate on its scores; the best plan is alloc::measuredPlan on the gains.
// Throws lieq::Error on count mismatches or non-finite values.
PredictorReport scorePredictors(const alloc::AllocationRequest &request,
                                const std::vector<double> &gains,
                                const std::vector<std::pair<std::string, std::vector<double>>> &predictors,
                                const PredictorOptions &options = {});

// Rank (1 = largest gain) of `layer` (an index of request.layers' entries) among all layers by
// gain; equal gains share the better rank.
int singleLayerRank(const std::vector<double> &gains, std::size_t entry);

// Plain-text table of a report (CLI, demo).
std::string formatPredictorReport(const PredictorReport &report);

} // namespace lieq::sensitivity
