#pragma once

#include "core/alloc/bit_plan.h"
#include "core/model/model_options.h"
#include "core/quant/pipeline.h"
#include "core/util/atomic_folder.h"
#include "core/util/progress.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

// Quantized checkpoint folders: what `lieq quantize --out DIR` writes and `lieq eval DIR` reads.
//
//   DIR/config.json, tokenizer files      copied from the source model
//   DIR/model.safetensors                 float tensors (embeddings, norms, head, linears kept
//                                         at 16 bits) in their stored dtype, or F32 where the
//                                         pipeline changed them (AWQ-folded norms), and per
//                                         quantized linear <stem> the GPTQ v1 tensors
//                                         (kernels/gptq_pack.h), exactly what the runtime uses:
//     .qweight I32 [ceil(cols/32) * b, rows]   .qzeros I32 [groups, ceil(rows * b / 32)] (zero - 1)
//     .scales  F16 [groups, rows]              .g_idx  I32 [cols]   .bias (when the module has one)
//   DIR/quantization_config.json          format, version 2, method, settings, the bit plan,
//                                         and one entry per quantized module (bits, shape, groups)
//
// Loading uses the packed tensors in place from the file's mapping (no copy, no unpacking), so
// a quantized model's weight memory is its packed size. A reloaded folder reproduces the
// in-process quantized model's logits bit for bit (both run the same packed kernels; for AWQ up
// to the rounding of folding 1/s into the norm). Folders of format version 1 (codes U8 packed
// along rows, F32 scales, U8 zeros) still load: they are packed on reading.
namespace lieq {

class Model;

inline constexpr const char *kQuantConfigFile = "quantization_config.json";

struct SavedCheckpoint
{
    std::string dir;
    std::int64_t bytes = 0;        // all files written
    std::int64_t tensorBytes = 0;  // model.safetensors
    int quantizedModules = 0;
};

// Writes `model` (quantized in place by quantizeModel) to `dir` atomically: everything goes to
// a temporary sibling folder that is renamed into place at the end, so a failure or cancel
// leaves no `dir`. An existing `dir` is replaced only when it is itself a quantized checkpoint
// (or empty); anything else is refused with a lieq::Error. `onStep(absoluteDir, step)` is
// writeFolderAtomic's: the quantize job records the pending folder in the store there.
SavedCheckpoint saveQuantizedCheckpoint(Model &model, const alloc::BitPlan &plan,
                                        const PipelineSettings &settings, const std::string &dir,
                                        const ProgressFn &progress = {},
                                        const std::function<void(const std::string &, FolderStep)> &onStep = {});

bool isQuantizedCheckpoint(const std::string &dir);

// Loads a folder written by saveQuantizedCheckpoint into a Model whose linears are quantized
// ops. Every inconsistency (missing or mis-shaped tensor, bad codes, malformed config) is a
// lieq::Error naming the file and the tensor.
std::unique_ptr<Model> loadQuantizedModel(const std::string &dir, const ModelOptions &options = {});

// Either kind of folder: quantized checkpoints through loadQuantizedModel, others Model::load.
std::unique_ptr<Model> loadAnyModel(const std::string &dir, const ModelOptions &options = {});

} // namespace lieq
