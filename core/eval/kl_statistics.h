#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

// Quantization damage measured the way llama.cpp's `llama-perplexity --kl-divergence` reports
// it: per predicted position, KL(P_ref || P_model) over the whole vocabulary, whether both
// models rank the same token first, and the change in probability of the token that actually
// followed (dp = p_model - p_ref); then PPL(model)/PPL(ref) with the correlation of the two
// models' log-likelihoods. Plain structs and a streaming accumulator: no torch, no Qt, so the
// store, the reports and the GUI read the same struct.
//
// Uncertainties follow llama.cpp: the standard error of a mean is sqrt(var / (n - 1)) over the
// positions (0 with 10 or fewer), of a share p it is sqrt(p (1 - p) / (n - 1)); errors of PPL
// values come from those of the mean NLLs through exp, and the ratio's from both with their
// covariance. Percentiles interpolate linearly between sorted values (llama.cpp's rule).
// Positions of one window are correlated, so these errors are lower bounds.
namespace lieq {

struct Estimate
{
    double value = std::numeric_limits<double>::quiet_NaN();
    double error = std::numeric_limits<double>::quiet_NaN(); // one standard error
};

struct Quantile
{
    double level = 0; // 0.999 = the 99.9th percentile
    double value = std::numeric_limits<double>::quiet_NaN();
};

struct KlStatistics
{
    static constexpr int kSchemaVersion = 1;

    std::int64_t windows = 0;
    std::int64_t seqlen = 0;
    std::int64_t positions = 0;       // predicted positions (windows * (seqlen - 1))
    std::int64_t vocab = 0;

    // KL(P_ref || P_model) per position, nats.
    Estimate klMean;
    double klMax = std::numeric_limits<double>::quiet_NaN();
    double klMin = std::numeric_limits<double>::quiet_NaN();
    std::vector<Quantile> klQuantiles; // 99.9, 99, 95, 90, 50, 10, 5, 1, 0.1 %

    Estimate top1Agreement;           // share of positions with the same argmax ("same top p")

    // dp = p_model(next token) - p_ref(next token), a probability (not %).
    Estimate deltaPMean;
    Estimate deltaPRms;
    double deltaPMax = std::numeric_limits<double>::quiet_NaN();
    double deltaPMin = std::numeric_limits<double>::quiet_NaN();
    std::vector<Quantile> deltaPQuantiles; // 99.9, 99, 95, 90, 75, 50, 25, 10, 5, 1, 0.1 %

    Estimate pplReference;
    Estimate pplModel;
    Estimate lnPplRatio;              // ln(PPL(model) / PPL(ref))
    Estimate pplRatio;                // PPL(model) / PPL(ref)
    Estimate pplDifference;           // PPL(model) - PPL(ref)
    // Pearson correlation of the two models' NLL per position (llama.cpp's
    // "Cor(ln(PPL(Q)), ln(PPL(base)))"), and of their ln PPL per window.
    double lnPplCorrelation = std::numeric_limits<double>::quiet_NaN();
    double windowLnPplCorrelation = std::numeric_limits<double>::quiet_NaN();

    std::int64_t memoryBytes = 0;     // peak working memory of the evaluation (values + logits)
    double seconds = 0;

    // The value at `level` of klQuantiles / deltaPQuantiles (NaN when absent).
    double klAt(double level) const;
    double deltaPAt(double level) const;
};

// The percentile levels reported, highest first.
const std::vector<double> &klQuantileLevels();
const std::vector<double> &deltaPQuantileLevels();

// Linear interpolation between sorted values at fraction (0..1) of the range (llama.cpp's rule);
// NaN for an empty input.
double interpolatedQuantile(const std::vector<float> &sorted, double fraction);

// Streams positions in and computes the statistics once at the end. Memory: 8 bytes per
// position (the per-position KL and dp kept for the percentiles) plus 2 doubles per window.
class KlAccumulator
{
public:
    explicit KlAccumulator(std::int64_t vocab);

    // One predicted position: the two models' logits (vocab floats each) and the token that
    // followed. Throws lieq::Error on non-finite logits or a token outside the vocabulary.
    void addPosition(const float *referenceLogits, const float *modelLogits, std::int32_t next);
    // Closes the current window (its NLL sums feed the per-window correlation).
    void endWindow();

    std::int64_t positions() const { return static_cast<std::int64_t>(m_kl.size()); }
    std::int64_t valueBytes() const;
    // Throws lieq::Error when no position was added.
    KlStatistics finish(std::int64_t seqlen) const;

private:
    std::int64_t m_vocab;
    std::vector<double> m_logRef, m_logModel; // per-row scratch
    std::vector<float> m_kl, m_dp;
    std::vector<double> m_windowNllRef, m_windowNllModel;
    double m_curRef = 0, m_curModel = 0;
    std::int64_t m_curPositions = 0;
    double m_sumNll = 0, m_sumNll2 = 0, m_sumNllRef = 0, m_sumNllRef2 = 0, m_sumNllCross = 0;
    double m_sumKl = 0, m_sumKl2 = 0;
    double m_sumDp = 0, m_sumDp2 = 0, m_sumDp4 = 0;
    // Extremes in double (the per-position values are kept as float for the percentiles).
    double m_klMax = -INFINITY, m_klMin = INFINITY, m_dpMax = -INFINITY, m_dpMin = INFINITY;
    std::int64_t m_sameTop = 0;
};

// JSON (sorted keys; NaN as null) for the store and reports, and back. fromJson throws
// lieq::Error naming `source` on malformed text or a newer schema.
std::string klStatisticsToJson(const KlStatistics &s);
KlStatistics klStatisticsFromJson(const std::string &text, const std::string &source = {});

// Human-readable block in llama.cpp's layout (used by `lieq ppl` and `lieq eval`).
std::string formatKlStatistics(const KlStatistics &s);

} // namespace lieq
