#pragma once

#include "core/io/model_config.h"
#include "core/model/compute_threads.h"
#include "core/model/model_options.h"
#include "core/util/progress.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lieq {

class Decoder; // core/model/decoder_impl.h (torch) for analysis and quantization code

struct GenerateOptions
{
    int maxNewTokens = 64;
    bool stopAtEos = true;     // stop after emitting one of config.eosTokenIds
    bool useKvCache = true;    // false recomputes the whole sequence per token (for tests)
};

struct GenerateResult
{
    std::vector<std::int32_t> tokens; // the new tokens only
    bool stoppedAtEos = false;
    double seconds = 0;
};

// A decoder-only language model (llama, qwen2, qwen3, mistral) loaded from a HF folder.
// fp32 compute; weights stay memory-mapped and are converted per layer (see ModelOptions).
// Not thread-safe: one evaluation at a time.
class Model
{
public:
    static std::unique_ptr<Model> load(const std::string &dir, const ModelOptions &options = {});
    ~Model();
    Model(const Model &) = delete;
    Model &operator=(const Model &) = delete;

    const ModelConfig &config() const;
    const std::string &dir() const { return m_dir; }
    bool isResident() const;        // all fp32 weights kept (else streamed per layer)
    std::string deviceName() const; // "cpu", "cuda:0"
    bool runsSideBySide() const;    // Decoder::runsSideBySide

    // `windows` holds count x seqlen ids, row-major; all windows run as one layer-major batch.
    // Returns, per window, the summed NLL (nats) of tokens 1..seqlen-1 given their prefix.
    // skipLayers act as the identity. progress is reported per layer and may cancel.
    std::vector<double> windowNll(const std::vector<std::int32_t> &windows, std::int64_t seqlen,
                                  const std::vector<int> &skipLayers = {},
                                  const ProgressFn &progress = {});

    // Logits of one sequence: ids.size() x vocab, row-major.
    std::vector<float> logits(const std::vector<std::int32_t> &ids,
                              const std::vector<int> &skipLayers = {});

    // Greedy decoding after `prompt` (which must be non-empty). progress: one report per token.
    GenerateResult generate(const std::vector<std::int32_t> &prompt,
                            const GenerateOptions &options = {}, const ProgressFn &progress = {});

    Decoder &decoder() { return *m_decoder; }

private:
    Model() = default;
    std::string m_dir;
    std::unique_ptr<Decoder> m_decoder;
};

} // namespace lieq
