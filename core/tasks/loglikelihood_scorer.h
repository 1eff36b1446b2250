#pragma once

// Log-likelihood requests scored the lm-evaluation-harness way, batched for a CPU.
//
// Tokenisation (harness `_encode_pair`): trailing spaces of the context move to the front of
// the continuation; the context and context+continuation are encoded separately (no special
// tokens unless addBos) and the continuation is the whole encoding from the context's token
// count on. An empty context becomes [BOS] (or [EOS] without one). The model input is
// (context + continuation)[-(maxLength + 1):][:-1] and the score is the summed log-probability
// of the continuation tokens (of its last maxLength tokens when it alone overflows the window,
// where the harness's slicing is undefined).
//
// Batching: identical inputs, and inputs that are a prefix of another input, share one forward
// row (BoolQ's " no" / " yes" are read from the same row). Then either
//   Packed:        rows sorted by length, right-padded and packed into layer-major batches up
//                  to maxBatchTokens (causal attention keeps padding invisible to real tokens);
//   SharedPrefix:  the choices of one item run their common token prefix once (batch 1, KV
//                  cache) and only their differing suffixes as a batch over that cache;
//   None:          one forward per row (the reference the tests compare against).
// Auto picks SharedPrefix for models wide enough that compute, not per-forward overhead,
// dominates (hidden size >= 512), else Packed.

#include "core/tasks/task_data.h"
#include "core/util/progress.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lieq {

class Model;
class Tokenizer;

enum class Batching { Auto, Packed, SharedPrefix, None };

struct ScorerOptions
{
    Batching batching = Batching::Auto;
    std::int64_t maxBatchTokens = 8192; // padded tokens per packed forward
    std::int64_t maxBatchRows = 64;
    bool addBos = false;                // the harness's HF default (add_bos_token=False)
    std::int64_t maxLength = 0;         // 0: max_position_embeddings (2048 when unset)
};

struct EncodedRequest
{
    std::vector<std::int32_t> context;
    std::vector<std::int32_t> continuation;
};

struct LoglikelihoodScore
{
    double logprob = 0;          // summed over the continuation tokens (nats)
    std::int64_t tokens = 0;     // continuation tokens scored
};

struct ScoringStats
{
    std::int64_t requests = 0;
    std::int64_t rows = 0;          // distinct forward rows after prefix sharing
    std::int64_t forwards = 0;      // forward passes over all layers
    std::int64_t forwardTokens = 0; // positions computed, padding included
    std::int64_t truncatedContinuations = 0; // longer than maxLength: only the last part scored
    double seconds = 0;
    Batching batching = Batching::Packed; // what Auto resolved to
};

// The harness's encoding of one request (see above). Throws lieq::Error when the
// continuation encodes to no tokens.
EncodedRequest encodeRequest(const Tokenizer &tokenizer, const LoglikelihoodRequest &request,
                             bool addBos = false);

class LoglikelihoodScorer
{
public:
    LoglikelihoodScorer(Model &model, const Tokenizer &tokenizer, ScorerOptions options = {});

    // groups[i] (optional, same size as requests) tags the item a request belongs to; requests
    // of one group may share a prefix forward. Progress: stage "loglikelihood", done = requests
    // scored; returning false throws lieq::Cancelled.
    std::vector<LoglikelihoodScore> score(const std::vector<LoglikelihoodRequest> &requests,
                                          const std::vector<std::int64_t> &groups = {},
                                          const ProgressFn &progress = {});
    // Pre-encoded requests (the tests build them by hand).
    std::vector<LoglikelihoodScore> scoreEncoded(const std::vector<EncodedRequest> &requests,
                                                 const std::vector<std::int64_t> &groups = {},
                                                 const ProgressFn &progress = {});

    const ScoringStats &stats() const { return m_stats; } // of the last call
    Batching resolvedBatching() const;

private:
    Model &m_model;
    const Tokenizer &m_tokenizer;
    ScorerOptions m_options;
    ScoringStats m_stats;
};

const char *batchingName(Batching b);
Batching batchingFromString(const std::string &name); // auto|packed|shared|none; throws

} // namespace lieq
