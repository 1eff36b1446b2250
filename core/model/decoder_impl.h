#pragma once
// Internal (torch) header for the analysis and quantization code; ui/ and app/ never include it.
//
// Layer-major evaluation: a batch of windows [B, T] is embedded once, then hidden states
// [B, T, H] pass through layer 0 for all windows, then layer 1, ... so that each layer's
// weights are materialised (and, when streaming, read from the mapping) once per batch.

#include "core/io/checkpoint.h"
#include "core/model/decode_threads.h"
#include "core/model/kv_cache_impl.h"
#include "core/model/layer_weights_impl.h"
#include "core/model/model_options.h"
#include "core/model/weight_source_impl.h"
#include "core/util/progress.h"

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <vector>

namespace lieq {

// Receives the input of every linear of every evaluated layer: q, k and v get the same
// normed hidden states, gate and up likewise. input: [B, T, inFeatures] fp32.
using CaptureFn = std::function<void(int layer, Projection proj, const torch::Tensor &input)>;

struct ForwardOptions
{
    std::set<int> skipLayers;       // these layers act as the identity
    CaptureFn capture;              // optional
    ProgressFn progress;            // optional; one report per layer, may cancel
    KvCache *cache = nullptr;       // optional: attend to cached keys and append to them
};

// Whether runLayers takes decode steps through Decoder::decodeLayer (on unless
// LIEQ_DECODE_FUSED=0 in the environment: runLayer's tensor path, for benchmarks' baselines);
// the setter is for tests.
bool fusedDecodeEnabled();
void setFusedDecodeEnabled(bool on);

class Decoder
{
public:
    Decoder(std::shared_ptr<const Checkpoint> checkpoint, const ModelOptions &options);
    ~Decoder();

    const ModelConfig &config() const { return m_config; }
    const Checkpoint &checkpoint() const { return m_source.checkpoint(); }
    torch::Device device() const { return m_source.device(); }
    int numLayers() const { return static_cast<int>(m_config.numLayers); }
    // True when all fp32 weights are kept; false when layers are streamed.
    bool resident() const { return m_resident; }
    std::int64_t fp32WeightBytes() const { return m_fp32Bytes; }
    // Whether independent pieces of work on this model (windows, scorer batches, modules)
    // run side by side as whole single-threaded tasks (runSideBySide): 2+ compute threads,
    // resident weights, on the CPU. Issue 10: with one core busy elsewhere, splitting each
    // product over both threads lost to one thread; whole tasks do not.
    bool runsSideBySide() const;

    // ids [B, T] (int64, any device) -> hidden [B, T, H] fp32 on the device.
    torch::Tensor embed(const torch::Tensor &ids) const;
    // Runs layers [first, last) on hidden states [B, T, H]; positions start at the cache length
    // (0 without cache). Returns the new hidden states. With a cache, its length advances by T
    // only when last == numLayers().
    torch::Tensor runLayers(torch::Tensor hidden, int first, int last,
                            const ForwardOptions &options = {});
    // One layer (no skipping): the building block of runLayers.
    torch::Tensor runLayer(int layer, const torch::Tensor &hidden, std::int64_t positionOffset,
                           const CaptureFn &capture = {}, KvCache *cache = nullptr);
    // embed + all layers.
    torch::Tensor forwardHidden(const torch::Tensor &ids, const ForwardOptions &options = {});

    // Final RMSNorm.
    torch::Tensor finalNorm(const torch::Tensor &hidden) const;
    // Final norm + head: per-token NLL of ids[:, t+1] given position t -> [B, T-1] fp32.
    // Computed in vocab chunks with a running logsumexp, so [B*T, vocab] never exists at once.
    torch::Tensor tokenNll(const torch::Tensor &hidden, const torch::Tensor &ids);
    // Final norm + head: logits [B, T, vocab] (for short sequences: generation, references).
    torch::Tensor logits(const torch::Tensor &hidden);

    // Layer weights, materialised on demand. While streaming, releaseLayer() drops the fp32
    // copy and the mapping's pages; in resident mode both are no-ops after the first load.
    std::shared_ptr<const LayerWeights> acquireLayer(int layer);
    void releaseLayer(int layer);

    // Replaces one projection (e.g. by a quantized packed linear); survives streaming.
    void setLinear(int layer, Projection proj, std::shared_ptr<const LinearOp> op);
    void clearLinearOverrides();
    // Checkpoint tensor name of a projection's weight.
    std::string linearTensorName(int layer, Projection proj) const;

    // Whether decode steps (Model::generate) run on one thread or all, timed over this model's
    // steps (core/model/decode_threads.h).
    DecodeThreadChooser &decodeThreads() { return m_decodeThreads; }

private:
    std::string layerPrefix(int layer) const;
    std::shared_ptr<LayerWeights> loadLayer(int layer) const;
    std::vector<std::string> layerTensorNames(int layer) const;
    torch::Tensor headRows(std::int64_t begin, std::int64_t end);
    void ropeTables(std::int64_t begin, std::int64_t end, torch::Tensor &cos, torch::Tensor &sin);
    // Causal (optionally sliding-window) attention of q [B, nh, T, D] over k, v [B, nkv, Tk, D];
    // returns [B, T, nh * D], the layout the output projection reads.
    torch::Tensor attention(const torch::Tensor &q, const torch::Tensor &k, const torch::Tensor &v,
                            std::int64_t queryStart) const;
    // runLayer for one position of one sequence with the cache, on CPU fp32 rows in place
    // (x: the hidden state, hiddenSize floats): decode_step.cpp.
    void decodeLayer(int layer, float *x, std::int64_t position, KvCache &cache);

    ModelConfig m_config;
    ModelOptions m_options;
    WeightSource m_source;
    bool m_resident = false;
    std::int64_t m_fp32Bytes = 0;
    std::string m_headName;
    std::vector<std::shared_ptr<LayerWeights>> m_layers; // resident cache (or in-use layer)
    torch::Tensor m_finalNorm;
    torch::Tensor m_head;                                  // resident fp32 head, else undefined
    std::vector<double> m_invFreq;
    torch::Tensor m_cos, m_sin;                            // [positions, headDim/2] fp32
    std::map<std::pair<int, Projection>, std::shared_ptr<const LinearOp>> m_overrides;
    std::mutex m_ropeMutex;
    DecodeThreadChooser m_decodeThreads;
};

} // namespace lieq
