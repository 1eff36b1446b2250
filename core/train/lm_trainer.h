#pragma once

// Trains a Qwen3-architecture language model from scratch with libtorch autograd: AdamW,
// linear warmup + cosine schedule, global-norm gradient clipping, seeded initialization and
// data order, periodic validation. Saves an HF folder (config.json + bf16 model.safetensors)
// that core/model's runtime loads.

#include "core/train/lm_shape.h"
#include "core/train/train_options.h"
#include "core/util/progress.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace lieq {

class LmTrainer
{
public:
    // Builds the network and initializes it (normal(0, initializerRange) for matrices, ones for
    // norms) from `seed`. Throws lieq::Error for an invalid shape.
    LmTrainer(const LmShape &shape, std::uint64_t seed);
    ~LmTrainer();
    LmTrainer(const LmTrainer &) = delete;
    LmTrainer &operator=(const LmTrainer &) = delete;

    const LmShape &shape() const;
    std::int64_t parameterCount() const;

    using LogFn = std::function<void(const TrainLogEntry &)>;
    // `trainTokens`: one token stream (documents separated by EOS); windows of seqlen + 1 are
    // cut at a seeded offset each epoch and visited in a seeded order. `valWindows`: count x
    // seqlen ids (as TokenWindows holds them), scored like Model::windowNll. Progress: stage
    // "training", one unit per step, detail with loss and rate; returning false throws
    // lieq::Cancelled after the current step. onLog sees every step.
    TrainResult train(const std::vector<std::int32_t> &trainTokens,
                      const std::vector<std::int32_t> &valWindows, std::int64_t valSeqlen,
                      const TrainOptions &options, const ProgressFn &progress = {},
                      const LogFn &onLog = {});

    // Summed NLL (nats) of tokens 1..seqlen-1 of each window given its prefix, computed by the
    // trainer's own fp32 forward: the same quantity as Model::windowNll.
    std::vector<double> windowNll(const std::vector<std::int32_t> &windows, std::int64_t seqlen);

    // Rounds every weight to bf16 in place (what saving does to the stored copy).
    void roundWeightsToBf16();

    // dir/config.json and dir/model.safetensors (bf16, HF tensor names, no lm_head: tied),
    // each written atomically; the folder is created when missing.
    void save(const std::string &dir) const;

    struct Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

} // namespace lieq
