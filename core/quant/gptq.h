#pragma once

#include "core/quant/matrix_view.h"
#include "core/quant/quant_config.h"
#include "core/quant/quantized_tensor.h"
#include "core/util/progress.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace lieq {

// GPTQ settings (Frantar et al. 2022; defaults of the reference implementation).
struct GptqOptions
{
    QuantConfig quant;
    double dampPercent = 0.01;   // damping = dampPercent * mean(diag H) added to the diagonal
    double dampIncrement = 0.01; // added to dampPercent after each failed Cholesky, up to 1
    int blockSize = 128;         // columns per lazy-batch block
    bool actOrder = false;       // process columns by decreasing diag(H)
    bool staticGroups = false;   // group grids fixed from the unquantized weights up front
};

struct GptqResult
{
    QuantizedTensor tensor;
    // The reference's loss: sum over all weights of (w - q)^2 / d^2 / 2, d = diag of the
    // Cholesky factor of H^-1 at that column (GPTQ's printed "error").
    double loss = 0.0;
    double avgLoss = 0.0;        // loss / samples, the figure AutoGPTQ logs
    double dampPercent = 0.0;    // damping actually used
    int dampRetries = 0;         // Cholesky failures that raised the damping
    std::int64_t deadColumns = 0; // inputs with diag(H) = 0: their weights were zeroed
    std::int64_t samples = 0;
    double seconds = 0.0;        // quantization wall time (Hessian accumulation excluded)
};

// One linear module's GPTQ state: feed calibration inputs with addBatch, then quantize.
// The Hessian is the reference's running average H = 2/n sum_i X_i^T X_i over n samples.
class GptqQuantizer
{
public:
    explicit GptqQuantizer(std::int64_t columns);
    ~GptqQuantizer();
    GptqQuantizer(GptqQuantizer &&) noexcept;
    GptqQuantizer &operator=(GptqQuantizer &&) noexcept;

    // x: [tokens, columns] inputs of the module; `samples` is how many calibration samples
    // (sequences) it holds, the unit of the running average (the reference's batch size).
    void addBatch(MatrixView x, std::int64_t samples = 1);

    std::int64_t columns() const;
    std::int64_t samples() const;
    std::int64_t tokens() const;
    std::vector<float> hessian() const; // columns x columns, row-major

    // weight: [rows, columns]. Throws lieq::Error on bad shapes or settings, or when no
    // damping below 1 makes H positive definite; lieq::Cancelled when progress says stop.
    GptqResult quantize(MatrixView weight, const GptqOptions &options,
                        const ProgressFn &progress = {}) const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace lieq
