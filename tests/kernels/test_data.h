#pragma once

#include <cstdint>
#include <string>
#include <vector>

// Deterministic test rows for the kernel tests: distributions chosen to reach the quantizers'
// corner cases (all-zero and constant blocks, outliers, fp16-subnormal and large scales).
namespace lieq::test {

// "normal", "uniform", "outliers", "positive", "negative", "zeros", "constant", "tiny",
// "huge", "sparse", "mixed" (every 32 values a different one of the others).
std::vector<float> kernelTestValues(const std::string &distribution, std::int64_t n,
                                    std::uint32_t seed);
const std::vector<std::string> &kernelTestDistributions();

// Normalised mean squared error sum (a - b)^2 / sum b^2 (0 when both are zero).
double nmse(const float *a, const float *b, std::int64_t n);

} // namespace lieq::test
