#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

// Correlation statistics between per-layer diagnostics (e.g. dPPL vs. dr across layers):
// Pearson, Spearman and Kendall tau-b with two-sided p-values, seeded bootstrap confidence
// intervals and the rank stability of a layer order across two datasets. Pure functions over
// std::vector<double>; inputs of different lengths or with fewer than 3 values throw lieq::Error.
namespace lieq::analysis {

enum class CorrelationMethod { Pearson, Spearman, Kendall };

// How Kendall's p-value is obtained.
enum class KendallPMethod {
    Auto,        // as scipy: exact when there are no ties and n <= 33, else asymptotic
    Asymptotic,  // normal approximation with the tie-corrected variance of C - D
    Exact,       // exact: inversion-count distribution without ties; with ties, every
                 // permutation of y is enumerated (n <= 10, else lieq::Error)
};

struct Correlation
{
    double coefficient = 0.0; // r, rho or tau-b; NaN when an input is constant
    double pValue = 1.0;      // two-sided, null hypothesis: no association; NaN with coefficient
    std::size_t n = 0;
    std::string pMethod;      // "t", "normal", "exact", "permutation"
};

struct ConfidenceInterval
{
    double estimate = 0.0;     // the statistic on the original sample
    double low = 0.0;          // percentile bootstrap bounds
    double high = 0.0;
    double level = 0.95;
    int resamples = 0;         // B requested
    int validResamples = 0;    // resamples whose statistic was defined (non-constant input)
    std::uint64_t seed = 0;
};

// Ranks 1..n, ties get the average of the ranks they span (e.g. {10, 20, 20, 30} -> 1, 2.5, 2.5, 4).
std::vector<double> averageRanks(const std::vector<double> &values);

Correlation pearson(const std::vector<double> &x, const std::vector<double> &y);
// Pearson on average ranks; p-value from the t distribution with n-2 degrees of freedom.
Correlation spearman(const std::vector<double> &x, const std::vector<double> &y);
Correlation kendallTauB(const std::vector<double> &x, const std::vector<double> &y,
                        KendallPMethod pMethod = KendallPMethod::Auto);
Correlation correlate(CorrelationMethod method, const std::vector<double> &x,
                      const std::vector<double> &y);

// Percentile bootstrap: B resamples of the (x_i, y_i) pairs with replacement, drawn from a
// std::mt19937_64 seeded with `seed` (same seed, same interval on every platform).
ConfidenceInterval bootstrapCi(CorrelationMethod method, const std::vector<double> &x,
                               const std::vector<double> &y, int resamples = 2000,
                               double level = 0.95, std::uint64_t seed = 20250806);

// How stable the layer order is between two datasets: Spearman and Kendall between the two
// score vectors, and the overlap of their top-k layers (k = 0: k = max(1, n/4)).
struct RankStability
{
    Correlation spearman;
    Correlation kendall;
    std::size_t topK = 0;
    std::size_t topKOverlap = 0;        // |topK(a) ∩ topK(b)|
    std::vector<std::size_t> orderA;    // layer indices, highest score first
    std::vector<std::size_t> orderB;
};
RankStability rankStability(const std::vector<double> &scoresA,
                            const std::vector<double> &scoresB, std::size_t topK = 0);

// Special functions, exposed for tests and other modules.
double regularizedIncompleteBeta(double a, double b, double x); // I_x(a, b)
double studentTTwoSidedP(double t, double dof);                  // P(|T| >= |t|)
double normalTwoSidedP(double z);                                // P(|Z| >= |z|)

std::string correlationMethodName(CorrelationMethod m);

} // namespace lieq::analysis
