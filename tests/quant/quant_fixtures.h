#pragma once

// Generated matrices and error measures shared by the quantization tests (seeded, no files).

#include "core/quant/matrix_view.h"
#include "core/quant/quantized_tensor.h"

#include <ATen/Parallel.h>
#include <Eigen/Dense>
#include <QThread>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace lieq::test {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

inline void useAllCores()
{
    at::set_num_threads(std::max(1, QThread::idealThreadCount()));
}

struct Mat
{
    std::int64_t rows = 0;
    std::int64_t cols = 0;
    std::vector<float> data;

    MatrixView view() const { return {data.data(), rows, cols}; }
    MatrixSpan span() { return {data.data(), rows, cols}; }
    Eigen::Map<const RowMatrix> eigen() const { return {data.data(), rows, cols}; }
};

inline Mat gaussian(std::int64_t rows, std::int64_t cols, unsigned seed, float std = 1.0f)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, std);
    Mat m{rows, cols, std::vector<float>(std::size_t(rows * cols))};
    for (float &v : m.data)
        v = dist(rng);
    return m;
}

// Calibration activations [tokens, in] with correlated channels (a random mixing of fewer
// latent factors plus noise) and per-channel magnitudes spread over a decade, as LLM
// activations are; `outliers` channels are additionally scaled by `outlierGain`.
inline Mat activations(std::int64_t tokens, std::int64_t in, unsigned seed, int outliers = 0,
                       float outlierGain = 20.0f)
{
    const std::int64_t latent = std::max<std::int64_t>(4, in / 4);
    const Mat z = gaussian(tokens, latent, seed);
    const Mat mix = gaussian(latent, in, seed + 1, 1.0f / std::sqrt(float(latent)));
    const Mat noise = gaussian(tokens, in, seed + 2, 0.3f);
    Mat x{tokens, in, std::vector<float>(std::size_t(tokens * in))};
    Eigen::Map<RowMatrix> xm(x.data.data(), tokens, in);
    xm = z.eigen() * mix.eigen() + noise.eigen();
    std::mt19937 rng(seed + 3);
    std::uniform_real_distribution<float> mag(0.3f, 3.0f);
    for (std::int64_t c = 0; c < in; ++c)
        xm.col(c) *= mag(rng);
    for (int k = 0; k < outliers; ++k)
        xm.col((k * 7919 + 13) % in) *= outlierGain;
    return x;
}

inline Mat fromQuantized(const QuantizedTensor &q)
{
    return Mat{q.rows, q.cols, dequantize(q)};
}

// ||W X^T - Q X^T||_F^2 for W, Q [out, in] and X [tokens, in].
inline double outputError(const Mat &w, const Mat &q, const Mat &x)
{
    const RowMatrix diff = w.eigen() - q.eigen();
    return double((x.eigen() * diff.transpose()).squaredNorm());
}

inline double relativeError(const Mat &w, const Mat &q)
{
    return double((w.eigen() - q.eigen()).norm() / w.eigen().norm());
}

} // namespace lieq::test
