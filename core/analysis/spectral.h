#pragma once

#include <cstddef>
#include <vector>

// Spectral metrics of a layer's outputs Z = W h (DESIGN.md "The method", items 2-3):
// p_k = s_k^2 / sum s^2, H = -sum p_k ln p_k, Compact = exp(H) (the effective rank), and the
// top-k energy E_k = sum_{i<=k} s_i^2 / sum s^2. Torch-free: matrices come in as row-major
// float/double buffers, so a torch caller passes a contiguous tensor's data pointer.
namespace lieq::analysis {

struct SpectralMetrics
{
    std::size_t rank = 0;        // number of singular values = min(rows, cols) of Z
    std::size_t k = 0;           // k used for the top-k energy
    double totalEnergy = 0.0;    // sum s^2 (= ||Z||_F^2)
    double entropy = 0.0;        // H, natural log
    double effectiveRank = 0.0;  // Compact = exp(H), in [1, rank]
    double topKEnergy = 0.0;     // E_k in (0, 1]
};

// The trained-vs-random comparison for one projection: dr and dE use the same k for both.
struct SpectralComparison
{
    SpectralMetrics trained;     // Z  = W h
    SpectralMetrics random;      // Z~ = W~ h
    double dr = 0.0;             // (Compact(Z~) - Compact(Z)) / Compact(Z~)
    double dE = 0.0;             // E_k(Z) - E_k(Z~)
};

enum class SvdMethod {
    Auto,    // Gram eigenvalues when one side is at least twice the other, else BDCSVD
    Bdcsvd,  // Eigen::BDCSVD on Z (accurate, slower on tall matrices)
    Gram,    // eigenvalues of the smaller Gram matrix Z Z^T or Z^T Z, in double
};

// Default k: 1% of the rank, rounded, at least 1.
std::size_t defaultTopK(std::size_t rank);

// From singular values in any order (negative or non-finite values throw lieq::Error; so does
// an all-zero spectrum, whose effective rank is undefined). k = 0 picks defaultTopK(rank);
// k larger than the rank is clamped to it.
SpectralMetrics spectralMetrics(const std::vector<double> &singularValues, std::size_t k = 0);
// Same from squared singular values (e.g. eigenvalues of a Gram matrix computed elsewhere);
// tiny negative values from rounding are treated as 0.
SpectralMetrics spectralMetricsFromEnergies(const std::vector<double> &squaredSingularValues,
                                            std::size_t k = 0);

// Singular values of a row-major rows x cols matrix, largest first.
std::vector<double> singularValues(const float *data, std::size_t rows, std::size_t cols,
                                   SvdMethod method = SvdMethod::Auto);
std::vector<double> singularValues(const double *data, std::size_t rows, std::size_t cols,
                                   SvdMethod method = SvdMethod::Auto);

// dr and dE from the spectra of Z and Z~ (same shape); k = 0 -> defaultTopK(rank of Z).
SpectralComparison compareSpectra(const std::vector<double> &trainedSingularValues,
                                  const std::vector<double> &randomSingularValues,
                                  std::size_t k = 0);

} // namespace lieq::analysis
