#include "core/export/checkpoint_folder.h"

#include "core/io/checkpoint.h"
#include "core/util/error.h"

namespace lieq {

CheckpointFolder::CheckpointFolder(std::string dir) : m_dir(std::move(dir)) {}

CheckpointFolder::~CheckpointFolder() = default;

void CheckpointFolder::openShards() { m_ckpt = std::make_unique<Checkpoint>(m_dir); }

const TensorView &CheckpointFolder::requiredTensor(const std::string &name, const std::string &listedIn) const
{
    if (!m_ckpt->contains(name))
        throw Error(m_dir, "tensor " + name + " is missing" + (listedIn.empty() ? "" : " (listed in " + listedIn + ")"));
    return m_ckpt->tensor(name);
}

} // namespace lieq
