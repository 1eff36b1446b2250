#pragma once

#include <cstdint>
#include <optional>
#include <string>

// What `lieq eval|ppl|generate TARGET` names: a model folder, a quantized checkpoint folder
// (`lieq quantize --out DIR`), or the id of a stored quantization run whose saved folder is
// used. Load the result with loadAnyModel(target.dir).
namespace lieq {

struct ModelTarget
{
    std::string dir;                         // the folder to load
    bool quantized = false;                  // a quantized checkpoint folder
    std::string sourceModelDir;              // quantized: the model it was made from, as
                                             // recorded in the folder; else dir
    std::optional<std::int64_t> quantRunId;  // the stored run that wrote dir, when known
    std::optional<std::int64_t> modelId;     // that run's (source) model id in the store
};

// `target` is an existing folder, or a positive integer: the id of a finished quant run in the
// store at storePath ("" = the default store) that saved its output. With lookupRun, a
// quantized folder is also matched to the stored run that wrote it (by output path; none when
// no run did). Throws lieq::Error naming the target (and the store) when it is neither, when the
// run is unknown, unfinished or saved nothing, or when its folder is gone.
ModelTarget resolveModelTarget(const std::string &target, const std::string &storePath = {},
                               bool lookupRun = false);

} // namespace lieq
