#include "core/model/weight_source_impl.h"

#include "core/model/parallel_ops_impl.h"
#include "core/util/error.h"

#include <mutex>
#include <sstream>
#include <unordered_set>

namespace lieq {

namespace {

torch::ScalarType torchType(const TensorView &v)
{
    switch (v.dtype) {
    case DType::F32: return torch::kFloat32;
    case DType::F16: return torch::kFloat16;
    case DType::BF16: return torch::kBFloat16;
    case DType::F64: return torch::kFloat64;
    default:
        throw Error(v.file, "tensor " + v.name + " has dtype " + std::string(dtypeName(v.dtype)) +
                                ", not a floating type the runtime can use");
    }
}

std::string shapeText(const std::vector<std::int64_t> &s)
{
    std::ostringstream os;
    os << '[';
    for (std::size_t i = 0; i < s.size(); ++i)
        os << (i ? ", " : "") << s[i];
    os << ']';
    return os.str();
}

// t as fp32 on `device`. On the CPU a large tensor is widened in row chunks over the pool: the
// conversion of each layer (bf16 -> fp32) was single-threaded work on the caller while the
// other threads waited (perf of lieq analyze, issue 10). Widening is exact: the same bits.
torch::Tensor toFloat32(const torch::Tensor &t, torch::Device device)
{
    if (!device.is_cpu())
        return t.to(device, torch::kFloat32);
    return parallelContiguousCopy(t, torch::kFloat32);
}

} // namespace

struct WeightSource::FiniteChecks
{
    std::mutex mutex;
    std::unordered_set<std::string> done;
};

WeightSource::WeightSource(std::shared_ptr<const Checkpoint> checkpoint, torch::Device device)
    : m_checkpoint(std::move(checkpoint)), m_device(device),
      m_finite(std::make_shared<FiniteChecks>())
{
}

void WeightSource::requireFinite(const std::string &name) const
{
    {
        std::lock_guard lock(m_finite->mutex);
        if (m_finite->done.count(name))
            return;
    }
    const TensorView &v = m_checkpoint->tensor(name);
    const torch::Tensor flat = raw(name).reshape({-1});
    if (!parallelAllFinite(flat)) {
        const std::int64_t bad = flat.numel() - torch::isfinite(flat).sum().item<std::int64_t>();
        throw Error(v.file, "tensor " + name + " holds " + std::to_string(bad) + " NaN or infinite "
                                "value(s) of " + std::to_string(flat.numel()) +
                                "; the checkpoint is corrupt");
    }
    std::lock_guard lock(m_finite->mutex);
    m_finite->done.insert(name);
}

torch::Tensor WeightSource::raw(const std::string &name) const
{
    const TensorView &v = m_checkpoint->tensor(name);
    // The mapping is read-only; these tensors are only ever read (never written in place).
    return torch::from_blob(const_cast<std::byte *>(v.data), v.shape,
                            torch::TensorOptions().dtype(torchType(v)));
}

torch::Tensor WeightSource::fp32(const std::string &name,
                                 std::vector<std::int64_t> expectedShape) const
{
    const TensorView &v = m_checkpoint->tensor(name);
    if (!expectedShape.empty() && v.shape != expectedShape)
        throw Error(v.file, "tensor " + name + " has shape " + shapeText(v.shape) +
                                " but config.json implies " + shapeText(expectedShape));
    requireFinite(name);
    torch::Tensor t = raw(name);
    if (isZeroCopy(name))
        return t;
    return toFloat32(t, m_device);
}

torch::Tensor WeightSource::fp32Rows(const std::string &name, std::int64_t begin,
                                     std::int64_t end) const
{
    requireFinite(name);
    torch::Tensor t = raw(name).slice(0, begin, end);
    if (isZeroCopy(name))
        return t;
    return toFloat32(t, m_device);
}

torch::Tensor WeightSource::fp32Gather(const std::string &name, const torch::Tensor &indices) const
{
    requireFinite(name);
    torch::Tensor rows = raw(name).index_select(0, indices.to(torch::kCPU, torch::kLong));
    return rows.to(m_device, torch::kFloat32);
}

bool WeightSource::isZeroCopy(const std::string &name) const
{
    return m_device.is_cpu() && m_checkpoint->tensor(name).dtype == DType::F32;
}

std::int64_t WeightSource::fp32Bytes(const std::string &name) const
{
    return m_checkpoint->tensor(name).numel() * 4;
}

void WeightSource::dropPages(const std::string &name) const
{
    const TensorView &v = m_checkpoint->tensor(name);
    for (const auto &f : m_checkpoint->files()) {
        if (f->path() == v.file) {
            f->mapping().dropPages(v.fileOffset, v.nbytes);
            return;
        }
    }
}

} // namespace lieq
