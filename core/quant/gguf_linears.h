#pragma once

#include "core/model/model_options.h"

#include <memory>
#include <string>

// Running a GGUF's weights through this project's runtime: the decoder linears of a model
// become QuantizedLinears over the GGUF's tensors in place (any type the kernels know: Q2_K,
// Q3_K, Q4_K, Q6_K, Q4_0, Q8_0, F16, BF16, F32), so a file that llama_model_quantize wrote from
// this project's F16 export (`lieq export --gguf`) is evaluated by the same kernels and can be
// compared with llama.cpp on that file. Everything else (embeddings, norms, head) comes from
// the model folder the GGUF was made from.
namespace lieq {

class Model;

// Replaces every decoder projection of `model` by the GGUF's tensor of the same layer
// (blk.L.attn_q.weight, ..., ffn_down.weight). llama/mistral q and k rows, which the export
// permutes into llama.cpp's rope layout, are put back in HF order (a copy of those tensors).
// Returns the number of projections replaced. Throws lieq::Error naming the file and tensor
// when one is missing, has another shape than the model's, or a type the kernels cannot run.
int useGgufLinears(Model &model, const std::string &ggufPath);

// Model::load(modelDir) followed by useGgufLinears.
std::unique_ptr<Model> loadModelWithGgufLinears(const std::string &modelDir,
                                                const std::string &ggufPath,
                                                const ModelOptions &options = {});

} // namespace lieq
