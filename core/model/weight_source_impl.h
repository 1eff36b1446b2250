#pragma once
// Internal (torch) header.

#include "core/io/checkpoint.h"

#include <torch/torch.h>

#include <memory>
#include <string>

namespace lieq {

// Turns checkpoint tensors (mmap'd, any float dtype) into fp32 tensors on the compute device.
// F32 tensors on CPU are zero-copy views of the mapping; others are converted on each call,
// which is what lets a layer's fp32 copy be dropped right after use.
class WeightSource
{
public:
    WeightSource(std::shared_ptr<const Checkpoint> checkpoint, torch::Device device);

    const Checkpoint &checkpoint() const { return *m_checkpoint; }
    torch::Device device() const { return m_device; }
    bool contains(const std::string &name) const { return m_checkpoint->contains(name); }

    // The stored bytes as a CPU tensor of the stored dtype (no copy). Throws for non-floats.
    torch::Tensor raw(const std::string &name) const;
    // fp32 on the device; `expectedShape` (when given) is checked with an error naming the
    // tensor and file, so a config/checkpoint mismatch is caught before any math.
    torch::Tensor fp32(const std::string &name, std::vector<std::int64_t> expectedShape = {}) const;
    // Rows [begin, end) of a 2-D tensor as fp32 (embedding lookups, vocab chunks of the head).
    torch::Tensor fp32Rows(const std::string &name, std::int64_t begin, std::int64_t end) const;
    // Gathers rows by index (embedding lookup) without converting the whole matrix.
    torch::Tensor fp32Gather(const std::string &name, const torch::Tensor &indices) const;
    bool isZeroCopy(const std::string &name) const;
    std::int64_t fp32Bytes(const std::string &name) const;

    // Releases the mapping's pages of a tensor (they are re-read from disk if touched again).
    void dropPages(const std::string &name) const;

private:
    // A NaN or Inf weight is refused (naming the tensor and file) the first time a tensor is
    // used, rather than turning every later result into NaN.
    void requireFinite(const std::string &name) const;

    struct FiniteChecks;
    std::shared_ptr<const Checkpoint> m_checkpoint;
    torch::Device m_device;
    std::shared_ptr<FiniteChecks> m_finite; // names already checked, shared by copies
};

} // namespace lieq
