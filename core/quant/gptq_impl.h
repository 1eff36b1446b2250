#pragma once

// Torch-level GPTQ interface for the in-core pipeline (forward hooks hand over tensors).
// Internal: ui/ and app/ use gptq.h.

#include "core/quant/gptq.h"

#include <torch/torch.h>

#include <optional>

namespace lieq {

// Running Hessian H = 2/n sum X^T X, updated as the reference's add_batch.
class GptqHessian
{
public:
    explicit GptqHessian(std::int64_t columns);

    // [tokens, columns] counts as one sample; [batch, tokens, columns] as `batch` samples.
    void addBatch(const torch::Tensor &x);
    // Any shape [..., columns], counted as `samples` samples.
    void addBatch(const torch::Tensor &x, std::int64_t samples);

    const torch::Tensor &matrix() const { return m_h; }
    std::int64_t columns() const { return m_h.size(0); }
    std::int64_t samples() const { return m_samples; }
    std::int64_t tokens() const { return m_tokens; }

private:
    torch::Tensor m_h;
    std::int64_t m_samples = 0;
    std::int64_t m_tokens = 0;
};

// The upper Cholesky factor U of H^-1 (H^-1 = U^T U) for a symmetric positive definite
// H = h + damp I, and the smallest squared pivot of the factorisation; nothing when H does not
// factor. LAPACK on the calling thread (see gptq_factor.cpp); h is only read.
struct GptqInverseFactor
{
    torch::Tensor upper;
    double minPivotSquared = 0;
};
std::optional<GptqInverseFactor> gptqInverseFactor(const torch::Tensor &h, double damp = 0.0);

// The route gptqInverseFactor takes, process-wide: LAPACK's potrf + trtri when the process has
// them, else torch's Cholesky and triangular solve (Auto); or torch's always (Torch: the
// fallback, for tests). Both give the same factor within float rounding.
enum class GptqFactorRoute { Auto, Torch };
void setGptqFactorRoute(GptqFactorRoute route);
// Whether Auto finds LAPACK's spotrf_ and strtri_ in this process.
bool gptqLapackFactorAvailable();

// What a GPTQ run takes from the Hessian alone: the dead inputs, the act-order permutation and
// the damped inverse factor. Modules that read the same input (q/k/v, gate/up) share one, so the
// factorisation runs once per input instead of once per module. Depends on the options'
// dampPercent, dampIncrement and actOrder only.
struct GptqPreparedHessian
{
    std::int64_t columns = 0;
    torch::Tensor dead;               // bool [columns], diag(H) == 0, original order
    std::int64_t deadColumns = 0;
    torch::Tensor order;              // act-order: long [columns], position -> column; else undefined
    torch::Tensor hinv;               // upper Cholesky factor of (H + damp I)^-1, processing order
    double dampPercent = 0.0;         // damping actually used
    int dampRetries = 0;              // Cholesky failures that raised the damping
    double seconds = 0.0;             // wall time of the preparation
};

// Throws lieq::Error on a non-finite Hessian or when no damping below 1 makes it positive
// definite; each retry is reported through `progress` (detail "Cholesky failed ...").
GptqPreparedHessian gptqPrepareHessian(const torch::Tensor &hessian, const GptqOptions &options,
                                       const ProgressFn &progress = {});

// The GPTQ algorithm on a [rows, columns] weight (any float dtype, computed in fp32) with the
// Hessian of its inputs; `samples` only scales the reported avgLoss.
GptqResult gptqQuantize(const torch::Tensor &weight, const torch::Tensor &hessian,
                        std::int64_t samples, const GptqOptions &options,
                        const ProgressFn &progress = {});
// The same with a prepared Hessian (made with the same dampPercent, dampIncrement and actOrder);
// the result's seconds include the preparation's.
GptqResult gptqQuantize(const torch::Tensor &weight, const GptqPreparedHessian &prepared,
                        std::int64_t samples, const GptqOptions &options,
                        const ProgressFn &progress = {});

} // namespace lieq
