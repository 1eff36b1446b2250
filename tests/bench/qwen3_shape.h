#pragma once
// The generated checkpoints the benchmarks run on: real Qwen3 shapes (bf16, tied embeddings,
// the real vocabulary size, no tokenizer), so figures speak for the models users quantize.

#include "tests/support/tiny_checkpoint.h"

namespace lieq::bench {

enum class Qwen3Shape
{
    B0_6, // Qwen3-0.6B: 28 layers, hidden 1024, FFN 3072, 16/8 heads, head_dim 128
    B4,   // Qwen3-4B: 36 layers, hidden 2560, FFN 9728, 32/8 heads, head_dim 128
};

inline test::TinyModelSpec qwen3ShapeSpec(Qwen3Shape shape, std::int64_t layers,
                                          std::int64_t maxPositions = 40960)
{
    test::TinyModelSpec spec;
    spec.arch = "qwen3";
    spec.dtype = DType::BF16;
    spec.tokenizer = test::TinyTokenizer::None;
    spec.vocabSize = 151936;
    spec.hidden = shape == Qwen3Shape::B0_6 ? 1024 : 2560;
    spec.intermediate = shape == Qwen3Shape::B0_6 ? 3072 : 9728;
    spec.heads = shape == Qwen3Shape::B0_6 ? 16 : 32;
    spec.kvHeads = 8;
    spec.headDim = 128;
    spec.layers = layers;
    spec.tied = true;
    spec.ropeTheta = 1000000.0;
    spec.rmsNormEps = 1e-6;
    spec.maxPositions = maxPositions;
    return spec;
}

} // namespace lieq::bench
