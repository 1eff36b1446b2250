#pragma once

#include <memory>
#include <string>

namespace lieq {

class Checkpoint;
struct TensorView;

// A folder of safetensors shards read through Checkpoint, the common part of the readers of
// quantized formats stored that way (a quantization run's folder, a GPTQ checkpoint). The
// reader parses its own config first, then opens the shards.
class CheckpointFolder
{
public:
    const std::string &dir() const { return m_dir; }
    const Checkpoint &checkpoint() const { return *m_ckpt; }

protected:
    explicit CheckpointFolder(std::string dir);
    ~CheckpointFolder();
    void openShards();
    // The tensor `name`; an error naming the folder when it is missing (`listedIn`: where the
    // reader learned of it, said in the error).
    const TensorView &requiredTensor(const std::string &name, const std::string &listedIn = {}) const;

    std::string m_dir;

private:
    std::unique_ptr<Checkpoint> m_ckpt;
};

} // namespace lieq
