#pragma once

// Generates complete tiny Hugging Face model folders (config.json, safetensors weights, optional
// shards + index, generation_config.json, tokenizer.json, tokenizer_config.json) with seeded
// random weights, plus deliberately corrupted safetensors files. Usage:
//
//   QTemporaryDir tmp;
//   lieq::test::TinyModelSpec spec;                 // llama, F32, 2 layers, hidden 64, untied
//   spec.arch = "qwen3"; spec.headDim = 24; spec.dtype = lieq::DType::BF16; spec.shards = 2;
//   const std::string dir = lieq::test::writeTinyCheckpoint(tmp.filePath("m").toStdString(), spec);
//   lieq::Checkpoint ckpt(dir);                     // loads like a real model
//
//   // Corruptions rewrite one file in place and return the tensor the error must name:
//   const std::string t = lieq::test::corruptSafetensors(dir + "/model.safetensors",
//                                                        lieq::test::Corruption::Overlap);
//
// Weights: linear layers ~ N(0, (weightScale / sqrt(fan_in))^2) so activations stay O(1) and the
// next-token distribution is peaked enough for top-1 comparisons; norms 1 + 0.1 N(0,1); biases
// 0.1 N(0,1); embeddings N(0,1). The same spec and seed give the same bytes on every machine.

#include "core/io/dtype.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lieq::test {

enum class TinyTokenizer {
    ByteLevel,     // GPT-2 style byte-level BPE (as Llama-3 / Qwen), merges as "a b" strings
    SentencePiece, // Llama-2 style: Prepend/Replace "▁" normalizer, byte_fallback, merges as pairs
    None,          // no tokenizer files
};

struct TinyModelSpec
{
    std::string arch = "llama";      // llama, qwen2, qwen3, mistral (anything else: written as is)
    lieq::DType dtype = lieq::DType::F32;
    std::int64_t vocabSize = 0;      // 0: the tokenizer's size; larger pads (rows with no token)
    std::int64_t hidden = 64;
    std::int64_t intermediate = 128;
    std::int64_t layers = 2;
    std::int64_t heads = 4;
    std::int64_t kvHeads = 2;
    std::int64_t headDim = 0;        // 0: hidden / heads; otherwise written as "head_dim"
    bool tied = false;               // tie_word_embeddings: no lm_head.weight
    bool llama3RopeScaling = false;  // rope_scaling {rope_type llama3, factor 8, 1, 4, orig 64}
    bool attentionBias = false;      // q/k/v biases for llama/qwen3 (qwen2 always has them)
    double ropeTheta = 10000.0;
    double rmsNormEps = 1e-5;
    std::int64_t maxPositions = 256;
    int shards = 1;                  // > 1: model-0000i-of-0000n.safetensors + index.json
    std::uint64_t seed = 1;
    double weightScale = 1.0;
    TinyTokenizer tokenizer = TinyTokenizer::ByteLevel;
    int merges = 64;                 // BPE merges learned from a built-in text
};

// Writes the folder (created if needed) and returns its path.
std::string writeTinyCheckpoint(const std::string &dir, const TinyModelSpec &spec = {});

// The config.json text for a spec (vocab size already resolved).
std::string tinyConfigJson(const TinyModelSpec &spec, std::int64_t vocabSize);

// tokenizer.json text; `vocabSize` receives the number of ids it defines (added tokens included),
// `bos`/`eos` the special token ids.
std::string tinyTokenizerJson(TinyTokenizer kind, int merges, std::int64_t *vocabSize,
                              std::int64_t *bos, std::int64_t *eos);

// HF tensor names and shapes of a spec, in writing order.
struct TinyTensor
{
    std::string name;
    std::vector<std::int64_t> shape;
};
std::vector<TinyTensor> tinyTensorList(const TinyModelSpec &spec, std::int64_t vocabSize);

enum class Corruption {
    Truncated,        // last bytes cut: the last tensor runs past the end
    HeaderLies,       // header length field larger than the file
    HugeHeader,       // header length field above the 100 MB bound
    Overlap,          // second tensor's offsets start inside the first
    WrongDtypeSize,   // first tensor's dtype halves its element size (bytes no longer match)
    BadJson,          // header text is not JSON
    DuplicateName,    // the same tensor name twice in the header
    UnknownDtype,     // dtype "F8_E9M9"
    OffsetsPastEnd,   // last tensor's end offset beyond the data area
    ReversedOffsets,  // begin > end
};

// Rewrites an existing valid safetensors file with the corruption. Returns the name of the tensor
// the loader's error must mention (empty for whole-file problems such as HugeHeader).
std::string corruptSafetensors(const std::string &path, Corruption c);

// Writes raw bytes: 8-byte little-endian `declaredHeaderLen` (or the real length when negative),
// the header text, then `data`. For hand-made bad files.
void writeRawSafetensors(const std::string &path, const std::string &header, const std::string &data,
                         long long declaredHeaderLen = -1);

} // namespace lieq::test
