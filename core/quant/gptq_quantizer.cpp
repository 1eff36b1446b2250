#include "core/quant/gptq_impl.h"

#include "core/util/error.h"

#include <string>

namespace lieq {

namespace {

// Borrowed, read-only view of caller memory (never written through).
torch::Tensor borrow(MatrixView m)
{
    return torch::from_blob(const_cast<float *>(m.data), {m.rows, m.cols}, torch::kFloat32);
}

} // namespace

struct GptqQuantizer::Impl
{
    explicit Impl(std::int64_t columns) : hessian(columns) {}
    GptqHessian hessian;
};

GptqQuantizer::GptqQuantizer(std::int64_t columns) : m_impl(std::make_unique<Impl>(columns)) {}
GptqQuantizer::~GptqQuantizer() = default;
GptqQuantizer::GptqQuantizer(GptqQuantizer &&) noexcept = default;
GptqQuantizer &GptqQuantizer::operator=(GptqQuantizer &&) noexcept = default;

void GptqQuantizer::addBatch(MatrixView x, std::int64_t samples)
{
    if (!x.data || x.rows <= 0)
        throw Error("GPTQ: empty calibration batch");
    m_impl->hessian.addBatch(borrow(x), samples);
}

std::int64_t GptqQuantizer::columns() const { return m_impl->hessian.columns(); }
std::int64_t GptqQuantizer::samples() const { return m_impl->hessian.samples(); }
std::int64_t GptqQuantizer::tokens() const { return m_impl->hessian.tokens(); }

std::vector<float> GptqQuantizer::hessian() const
{
    const torch::Tensor h = m_impl->hessian.matrix().contiguous();
    return std::vector<float>(h.data_ptr<float>(), h.data_ptr<float>() + h.numel());
}

GptqResult GptqQuantizer::quantize(MatrixView weight, const GptqOptions &options,
                                   const ProgressFn &progress) const
{
    if (!weight.data)
        throw Error("GPTQ: empty weight matrix");
    if (m_impl->hessian.samples() == 0)
        throw Error("GPTQ: no calibration inputs were added before quantizing");
    return gptqQuantize(borrow(weight), m_impl->hessian.matrix(), m_impl->hessian.samples(),
                        options, progress);
}

} // namespace lieq
