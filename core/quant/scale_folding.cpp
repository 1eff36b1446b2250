#include "core/quant/scale_folding.h"

#include "core/util/error.h"

#include <string>

namespace lieq {

namespace {

void checkSize(std::size_t have, std::int64_t want, const char *what)
{
    if (std::int64_t(have) != want)
        throw Error(std::string("AWQ scale folding: ") + what + " has " + std::to_string(have) +
                    " channels but there are " + std::to_string(want) + " scales");
}

} // namespace

void scaleInputChannels(MatrixSpan weight, std::span<const float> scales)
{
    checkSize(scales.size(), weight.cols, "the weight's input");
    for (std::int64_t r = 0; r < weight.rows; ++r) {
        float *row = weight.data + r * weight.cols;
        for (std::int64_t c = 0; c < weight.cols; ++c)
            row[c] *= scales[c];
    }
}

void divideInputChannels(MatrixSpan x, std::span<const float> scales)
{
    checkSize(scales.size(), x.cols, "the activation");
    for (std::int64_t r = 0; r < x.rows; ++r) {
        float *row = x.data + r * x.cols;
        for (std::int64_t c = 0; c < x.cols; ++c)
            row[c] /= scales[c];
    }
}

void foldScalesIntoNorm(std::span<float> normWeight, std::span<const float> scales,
                        std::span<float> normBias)
{
    checkSize(normWeight.size(), std::int64_t(scales.size()), "the norm weight");
    if (!normBias.empty())
        checkSize(normBias.size(), std::int64_t(scales.size()), "the norm bias");
    for (std::size_t c = 0; c < scales.size(); ++c) {
        normWeight[c] /= scales[c];
        if (!normBias.empty())
            normBias[c] /= scales[c];
    }
}

void foldScalesIntoLinear(MatrixSpan prevWeight, std::span<const float> scales,
                          std::span<float> prevBias)
{
    checkSize(scales.size(), prevWeight.rows, "the previous linear's output");
    if (!prevBias.empty())
        checkSize(prevBias.size(), prevWeight.rows, "the previous linear's bias");
    for (std::int64_t r = 0; r < prevWeight.rows; ++r) {
        float *row = prevWeight.data + r * prevWeight.cols;
        for (std::int64_t c = 0; c < prevWeight.cols; ++c)
            row[c] /= scales[r];
        if (!prevBias.empty())
            prevBias[r] /= scales[r];
    }
}

} // namespace lieq
