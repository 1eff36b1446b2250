#pragma once

#include "core/eval/kl_statistics.h"
#include "core/jobs/job_context.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lieq {
class Model;
struct TokenWindows;
namespace store {
class ExperimentStore;
}
} // namespace lieq

// KL statistics of a (quantized) model against its FP16 reference, the llama.cpp way
// (core/eval/kl_statistics.h), computed for the evaluate and quantize jobs and recorded in the
// store (table kl_stats), and read back for the front ends' Runs table and run comparison.
namespace lieq::jobs {

// One pass over `windows`: per window the reference and the model run and are compared at once
// (no logits file); the reference is loaded as the context asks (device, streaming).
KlStatistics evaluateKl(Model &model, const std::string &referenceDir, const TokenWindows &windows,
                        const JobContext &context);

// What identifies the measurement besides the models: the text and the windows.
struct KlSetting
{
    std::string data;            // evaluation text
    std::string field;           // JSONL field, "" for text
    std::int64_t seqlen = 0;
    std::int64_t maxWindows = -1;
};

// Records `stats` for `evaluatedDir` (or, with quantRunId, that run; its plan's model is the
// evaluated model's base) against `referenceDir`; returns the row id.
std::int64_t recordKl(store::ExperimentStore &db, const KlStatistics &stats,
                      const std::string &evaluatedDir, std::optional<std::int64_t> quantRunId,
                      const std::string &referenceDir, const KlSetting &setting);

struct StoredKl
{
    std::int64_t id = 0;
    std::optional<std::int64_t> quantRunId;
    std::int64_t modelId = 0;
    std::int64_t referenceModelId = 0;
    KlSetting setting;
    KlStatistics stats;
};

// Newest first; a store that does not exist lists as empty.
std::vector<StoredKl> listKl(const JobContext &context, std::optional<std::int64_t> quantRunId,
                             std::optional<std::int64_t> modelId = std::nullopt);

} // namespace lieq::jobs
