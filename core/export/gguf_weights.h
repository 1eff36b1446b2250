#pragma once

#include "core/util/progress.h"

#include <string>

namespace lieq {

// The weights a GGUF file really holds, as a Hugging Face folder this project's runtime loads:
// config.json and tokenizer files copied from `modelDir` (the model or run the GGUF was
// exported from), every tensor of the architecture dequantized with kernels' dequantizers
// (the same floats llama.cpp computes with) and stored F32 under its HF name, llama q/k rows
// put back in HF order. A tied output is left to the embeddings as in the source. Written to
// a temporary sibling of `outDir` and renamed when complete. Throws lieq::Error naming the
// GGUF and the tensor.
void ggufToCheckpoint(const std::string &ggufPath, const std::string &modelDir, const std::string &outDir,
                      const ProgressFn &progress = {});

} // namespace lieq
