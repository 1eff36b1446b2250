#pragma once

#include "core/io/gguf_format.h"
#include "core/io/gguf_writer.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lieq {

class Checkpoint;
struct ModelConfig;

// Where an HF tensor goes in a GGUF file: its name there, and whether its rows are permuted
// (llama q/k: HF's rotate-half layout -> llama.cpp's interleaved one).
struct GgufTensorTarget
{
    std::string ggufName;
    bool permuteRows = false;
    std::int64_t heads = 0;
};

// Everything of a llama.cpp-loadable GGUF except the tensor bytes: architecture and
// hyper-parameter metadata (llama/mistral as "llama", qwen2, qwen3), the vocabulary from the
// tokenizer.json beside the weights, file type and quantization version, the HF -> GGUF
// tensor names, and (at finish) the check that every tensor the architecture needs was added
// plus llama3's rope_freqs. The F16 exporter and the quantized exporter both fill it.
class GgufModelBuilder
{
public:
    GgufModelBuilder(const Checkpoint &ckpt, const std::string &name, GgufFileType fileType,
                     bool quantized);

    GgufWriter &writer() { return m_writer; }
    const std::string &architecture() const { return m_arch; }
    std::int64_t vocabTokens() const { return m_vocabTokens; }

    // nullopt for tensors a GGUF leaves out (rotary inv_freq, a tied lm_head); throws
    // lieq::Error naming the tensor when the architecture has no GGUF equivalent for it.
    std::optional<GgufTensorTarget> target(const std::string &hfName) const;
    // Every HF tensor name the architecture may have, with its GGUF target.
    const std::map<std::string, GgufTensorTarget> &tensorMap() const { return m_map; }
    // Source row of each GGUF row (identity when not permuted).
    std::vector<std::int64_t> rowOrder(const GgufTensorTarget &t, std::int64_t rows) const;

    // Adds a tensor under its GGUF name; `hfName` is recorded for the completeness check.
    void addTensor(const std::string &hfName, const std::string &ggufName, GgmlType type,
                   const std::vector<std::int64_t> &shape, GgufWriter::Fill fill);
    // Throws naming the first tensor the architecture needs that was not added; adds
    // rope_freqs.weight for llama3 rope scaling.
    void finish();

private:
    const Checkpoint &m_ckpt;
    const ModelConfig &m_config;
    std::string m_arch;
    std::int64_t m_vocabTokens = 0;
    std::map<std::string, GgufTensorTarget> m_map;
    std::vector<std::string> m_added;
    GgufWriter m_writer;
};

// llama.cpp's per-frequency divisors for llama3 rope scaling (head_dim / 2 values).
std::vector<float> llama3RopeFactors(const ModelConfig &config);

// HF -> GGUF row order for llama q/k projections: within each head of `headDim` rows, row
// i * headDim/2 + j moves to 2j + i. Returns the source row of each destination row.
std::vector<std::int64_t> llamaQkRowOrder(std::int64_t rows, std::int64_t headDim);

} // namespace lieq
