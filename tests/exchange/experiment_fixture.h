#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lieq::store {
class ExperimentStore;
}

// A small but complete experiment written into a store through its public API: one model
// (8 layers), its data, an analysis run with dPPL/dr/dE per layer (one projection row each),
// a plan from that run, two quantization runs (RTN 2.25 bits, GPTQ 3 bits) with module losses
// and evaluation rows (wikitext2 ppl, kl, piqa acc), and FP16 baselines. Values are chosen so
// that dPPL and dr are strongly but not perfectly rank-correlated.
struct ExperimentFixture
{
    std::int64_t modelId = 0, datasetId = 0, analysisId = 0, planId = 0, rtnId = 0, gptqId = 0;
    std::vector<double> dppl, dr, dE;

    void write(lieq::store::ExperimentStore &store, const std::string &checkpointDir = {});
};
