#pragma once

#include "core/io/model_config.h"
#include "core/io/safetensors.h"

#include <memory>
#include <string>
#include <vector>

namespace lieq {

// A Hugging Face model folder: config.json plus model.safetensors or a sharded set described
// by model.safetensors.index.json. Pickle checkpoints (pytorch_model.bin, *.pt, *.pth, *.ckpt)
// are refused with a message saying to convert them to safetensors; they are never read.
class Checkpoint
{
public:
    explicit Checkpoint(const std::string &dir); // throws lieq::Error

    const std::string &dir() const { return m_dir; }
    const ModelConfig &config() const { return m_config; }
    bool contains(const std::string &name) const;
    const TensorView &tensor(const std::string &name) const; // throws naming the tensor
    std::vector<std::string> tensorNames() const;
    const std::vector<std::unique_ptr<SafetensorsFile>> &files() const { return m_files; }
    std::uint64_t totalTensorBytes() const;
    std::uint64_t parameterCount() const;
    // Stable identity: hash of config.json and the tensor index (names, dtypes, shapes).
    std::string fingerprint() const;

private:
    std::string m_dir;
    ModelConfig m_config;
    std::vector<std::unique_ptr<SafetensorsFile>> m_files;
    std::map<std::string, const TensorView *> m_index;
    std::string m_configText;
};

} // namespace lieq
