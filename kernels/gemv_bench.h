#pragma once

#include "kernels/type_traits.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

// Measurements behind `lieq bench kernels` and tests/bench/kernels: the memory read bandwidth
// of this machine and the GEMV speed of each weight type, in the same run so that the ratio
// (packed bytes per second / read bandwidth) means something on any machine. Work is split
// through kernels::parallelFor, like the runtime's.
namespace lieq::kernels {

// The best rate of an AVX2 (else scalar) read of 8 MiB slices over `reps` passes through a
// buffer of `bytes`, in bytes per second.
double measureReadBandwidth(std::int64_t bytes = std::int64_t(512) << 20, int reps = 5);

struct GemvBenchResult
{
    QuantType type;
    std::int64_t rows = 0, cols = 0;
    std::int64_t weightBytes = 0; // what one GEMV reads for the weights
    double seconds = 0;           // best GEMV time
    double meanSeconds = 0;       // mean over the timed calls (what a decode loop sees)
};

// GEMV (one activation row) of a rows x cols matrix of `type` (GPTQ types: groups of 128)
// with realistic random contents; enough copies are cycled through that the weights come from
// memory, not the last-level cache (`cycleBytes` in total). Runs for about `minSeconds`, after
// `warmupCalls` untimed calls per copy (1 pages them in; 1 + 2 * SplitChooser::kProbeRuns also
// settles parallelForTimed's choice for each, as in a decode loop that has run a few tokens).
GemvBenchResult benchGemv(QuantType type, std::int64_t rows, std::int64_t cols,
                          double minSeconds = 0.25, std::int64_t cycleBytes = std::int64_t(256) << 20,
                          int warmupCalls = 1);

// The weight types the benchmark covers, in table order.
const std::vector<QuantType> &benchTypes();

} // namespace lieq::kernels
