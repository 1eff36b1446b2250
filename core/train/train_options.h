#pragma once

// Settings and results of language-model training (core/train/lm_trainer.h).

#include <cstdint>
#include <optional>
#include <vector>

namespace lieq {

struct TrainOptions
{
    std::int64_t steps = 1000;
    std::int64_t batchSize = 16;     // windows per step
    std::int64_t seqlen = 256;       // tokens per window (inputs; targets are shifted by one)
    double learningRate = 2e-3;      // peak
    double minLrRatio = 0.1;         // cosine floor, as a fraction of the peak
    std::int64_t warmupSteps = 50;
    double weightDecay = 0.1;        // AdamW, on matrices only (not on norm weights)
    double beta1 = 0.9;
    double beta2 = 0.95;
    double adamEps = 1e-8;
    double gradClip = 1.0;           // max global L2 norm; <= 0 disables clipping
    std::uint64_t seed = 1234;       // data order (initialization is seeded by the trainer)
    std::int64_t evalEvery = 100;    // steps between validation passes; <= 0: only at the end
    std::int64_t evalWindows = 16;   // windows of the periodic pass (the final pass uses all)
    int threads = 0;                 // torch threads; <= 0 keeps the current setting
};

struct TrainLogEntry
{
    std::int64_t step = 0;            // 1-based: steps done
    double trainLoss = 0;             // mean token NLL of this step's batch
    double learningRate = 0;
    double gradNorm = 0;              // before clipping
    std::optional<double> valLoss;    // mean token NLL when a validation pass ran
    std::int64_t tokensSeen = 0;
    double seconds = 0;               // since training began
};

struct TrainResult
{
    std::int64_t steps = 0;
    std::int64_t tokensSeen = 0;
    double epochs = 0;                // tokensSeen / training tokens
    double finalTrainLoss = 0;        // mean over the last min(20, steps) steps
    double valLoss = 0;               // mean token NLL over all validation windows, fp32
    std::int64_t valTokens = 0;       // predicted validation tokens
    double seconds = 0;
    std::vector<TrainLogEntry> log;   // one per step
};

} // namespace lieq
