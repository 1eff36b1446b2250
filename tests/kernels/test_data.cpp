#include "tests/kernels/test_data.h"

#include <cmath>
#include <random>

namespace lieq::test {

const std::vector<std::string> &kernelTestDistributions()
{
    static const std::vector<std::string> names{"normal", "uniform", "outliers", "positive",
                                                "negative", "zeros", "constant", "tiny",
                                                "huge", "sparse", "mixed"};
    return names;
}

namespace {

float draw(const std::string &d, std::mt19937 &rng, std::int64_t i)
{
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    if (d == "normal")
        return normal(rng);
    if (d == "uniform")
        return uniform(rng);
    if (d == "outliers")
        return (rng() % 61 == 0 ? 40.0f : 1.0f) * normal(rng);
    if (d == "positive")
        return std::fabs(normal(rng)) + 0.01f;
    if (d == "negative")
        return -std::fabs(normal(rng));
    if (d == "zeros")
        return 0.0f;
    if (d == "constant")
        return 0.375f;
    if (d == "tiny")
        return 1e-6f * normal(rng);
    if (d == "huge")
        return 3e3f * normal(rng);
    if (d == "sparse")
        return rng() % 7 == 0 ? normal(rng) : 0.0f;
    // "mixed": a different distribution for every 32 values.
    const auto &all = kernelTestDistributions();
    return draw(all[std::size_t(i / 32) % (all.size() - 1)], rng, i);
}

} // namespace

std::vector<float> kernelTestValues(const std::string &distribution, std::int64_t n,
                                    std::uint32_t seed)
{
    std::mt19937 rng(seed);
    std::vector<float> v(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i)
        v[i] = draw(distribution, rng, i);
    return v;
}

double nmse(const float *a, const float *b, std::int64_t n)
{
    double err = 0, ref = 0;
    for (std::int64_t i = 0; i < n; ++i) {
        err += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
        ref += double(b[i]) * b[i];
    }
    if (ref == 0)
        return err == 0 ? 0 : 1;
    return err / ref;
}

} // namespace lieq::test
