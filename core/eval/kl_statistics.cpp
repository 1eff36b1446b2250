#include "core/eval/kl_statistics.h"

#include "core/util/error.h"
#include "core/util/json_text.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace lieq {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// llama.cpp's mean_and_uncertainty: mean and the standard error of the mean.
Estimate meanAndError(double sum, double sum2, std::int64_t n)
{
    if (n < 1)
        return {};
    const double f = sum / double(n);
    const double var = sum2 / double(n) - f * f;
    return {f, var > 0 && n > 10 ? std::sqrt(var / double(n - 1)) : 0.0};
}

double pearsonFromSums(double sa, double sb, double saa, double sbb, double sab, std::int64_t n)
{
    if (n < 2)
        return kNaN;
    const double N = double(n);
    const double cov = sab / N - (sa / N) * (sb / N);
    const double va = saa / N - (sa / N) * (sa / N), vb = sbb / N - (sb / N) * (sb / N);
    return va > 0 && vb > 0 ? cov / std::sqrt(va * vb) : kNaN;
}

double valueAt(const std::vector<Quantile> &q, double level)
{
    for (const Quantile &x : q)
        if (std::abs(x.level - level) < 1e-9)
            return x.value;
    return kNaN;
}

nlohmann::json num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }
nlohmann::json est(const Estimate &e) { return {{"value", num(e.value)}, {"error", num(e.error)}}; }
nlohmann::json quantiles(const std::vector<Quantile> &q)
{
    nlohmann::json a = nlohmann::json::array();
    for (const Quantile &x : q)
        a.push_back({{"level", x.level}, {"value", num(x.value)}});
    return a;
}

double getNum(const nlohmann::json &j, const char *key)
{
    if (!j.contains(key) || j.at(key).is_null())
        return kNaN;
    return j.at(key).get<double>();
}

// "99.9%", "Median", " 0.1%"
std::string quantileLabel(double level)
{
    if (std::abs(level - 0.5) < 1e-12)
        return "Median";
    char b[16];
    std::snprintf(b, sizeof b, "%4.1f%%", 100 * level);
    return b;
}

} // namespace

const std::vector<double> &klQuantileLevels()
{
    static const std::vector<double> v{0.999, 0.99, 0.95, 0.90, 0.50, 0.10, 0.05, 0.01, 0.001};
    return v;
}

const std::vector<double> &deltaPQuantileLevels()
{
    static const std::vector<double> v{0.999, 0.99, 0.95, 0.90, 0.75, 0.50,
                                       0.25,  0.10, 0.05, 0.01, 0.001};
    return v;
}

double KlStatistics::klAt(double level) const { return valueAt(klQuantiles, level); }
double KlStatistics::deltaPAt(double level) const { return valueAt(deltaPQuantiles, level); }

double interpolatedQuantile(const std::vector<float> &sorted, double fraction)
{
    if (sorted.empty())
        return kNaN;
    if (fraction <= 0)
        return sorted.front();
    if (fraction >= 1)
        return sorted.back();
    double p = fraction * double(sorted.size() - 1);
    const std::size_t ip = std::size_t(p);
    p -= double(ip);
    return (1 - p) * sorted[ip] + p * sorted[std::min(ip + 1, sorted.size() - 1)];
}

KlAccumulator::KlAccumulator(std::int64_t vocab) : m_vocab(vocab)
{
    if (vocab < 1)
        throw Error("KL statistics: the vocabulary is empty");
    m_logRef.resize(std::size_t(vocab));
    m_logModel.resize(std::size_t(vocab));
}

void KlAccumulator::addPosition(const float *ref, const float *model, std::int32_t next)
{
    if (next < 0 || next >= m_vocab)
        throw Error("KL statistics: token " + std::to_string(next) + " is outside the vocabulary of " +
                    std::to_string(m_vocab));
    // log-softmax of both rows in double; argmax of each.
    auto logSoftmax = [this](const float *row, std::vector<double> &out) {
        std::int64_t imax = 0;
        for (std::int64_t i = 1; i < m_vocab; ++i)
            if (row[i] > row[imax])
                imax = i;
        const double mx = row[imax];
        double sum = 0;
        for (std::int64_t i = 0; i < m_vocab; ++i)
            sum += std::exp(double(row[i]) - mx);
        const double lse = mx + std::log(sum);
        if (!std::isfinite(lse))
            throw Error("KL statistics: non-finite logits (weights or inputs broken)");
        for (std::int64_t i = 0; i < m_vocab; ++i)
            out[std::size_t(i)] = double(row[i]) - lse;
        return imax;
    };
    const std::int64_t topRef = logSoftmax(ref, m_logRef);
    const std::int64_t topModel = logSoftmax(model, m_logModel);
    double kl = 0;
    for (std::int64_t i = 0; i < m_vocab; ++i) {
        const double lp = m_logRef[std::size_t(i)];
        kl += std::exp(lp) * (lp - m_logModel[std::size_t(i)]);
    }
    if (!std::isfinite(kl))
        throw Error("KL statistics: non-finite KL divergence (a probability underflowed to 0)");
    kl = std::max(kl, 0.0); // rounding can dip below 0 for identical rows
    const double nllRef = -m_logRef[std::size_t(next)], nll = -m_logModel[std::size_t(next)];
    const double dp = std::exp(-nll) - std::exp(-nllRef);

    m_kl.push_back(float(kl));
    m_dp.push_back(float(dp));
    m_klMax = std::max(m_klMax, kl);
    m_klMin = std::min(m_klMin, kl);
    m_dpMax = std::max(m_dpMax, dp);
    m_dpMin = std::min(m_dpMin, dp);
    m_sumKl += kl;
    m_sumKl2 += kl * kl;
    m_sumNll += nll;
    m_sumNll2 += nll * nll;
    m_sumNllRef += nllRef;
    m_sumNllRef2 += nllRef * nllRef;
    m_sumNllCross += nll * nllRef;
    m_sumDp += dp;
    m_sumDp2 += dp * dp;
    m_sumDp4 += dp * dp * dp * dp;
    m_sameTop += topRef == topModel;
    m_curRef += nllRef;
    m_curModel += nll;
    ++m_curPositions;
}

void KlAccumulator::endWindow()
{
    if (m_curPositions == 0)
        return;
    m_windowNllRef.push_back(m_curRef / double(m_curPositions));
    m_windowNllModel.push_back(m_curModel / double(m_curPositions));
    m_curRef = m_curModel = 0;
    m_curPositions = 0;
}

std::int64_t KlAccumulator::valueBytes() const
{
    return std::int64_t((m_kl.capacity() + m_dp.capacity()) * sizeof(float) +
                        (m_windowNllRef.capacity() + m_windowNllModel.capacity() +
                         m_logRef.size() + m_logModel.size()) *
                            sizeof(double));
}

KlStatistics KlAccumulator::finish(std::int64_t seqlen) const
{
    const std::int64_t n = positions();
    if (n == 0)
        throw Error("KL statistics: no position was evaluated");
    KlStatistics s;
    s.positions = n;
    s.seqlen = seqlen;
    s.vocab = m_vocab;
    s.windows = std::int64_t(m_windowNllRef.size()) + (m_curPositions > 0 ? 1 : 0);

    s.klMean = meanAndError(m_sumKl, m_sumKl2, n);
    std::vector<float> kl = m_kl, dp = m_dp;
    std::sort(kl.begin(), kl.end());
    std::sort(dp.begin(), dp.end());
    s.klMin = m_klMin;
    s.klMax = m_klMax;
    for (double level : klQuantileLevels())
        s.klQuantiles.push_back({level, interpolatedQuantile(kl, level)});

    const double top = double(m_sameTop) / double(n);
    s.top1Agreement = {top, n > 1 ? std::sqrt(top * (1 - top) / double(n - 1)) : 0.0};

    s.deltaPMean = meanAndError(m_sumDp, m_sumDp2, n);
    const Estimate mse = meanAndError(m_sumDp2, m_sumDp4, n);
    const double rms = std::sqrt(std::max(0.0, mse.value));
    s.deltaPRms = {rms, rms > 0 ? 0.5 / rms * mse.error : 0.0};
    s.deltaPMin = m_dpMin;
    s.deltaPMax = m_dpMax;
    for (double level : deltaPQuantileLevels())
        s.deltaPQuantiles.push_back({level, interpolatedQuantile(dp, level)});

    const Estimate lnQ = meanAndError(m_sumNll, m_sumNll2, n);
    const Estimate lnB = meanAndError(m_sumNllRef, m_sumNllRef2, n);
    const double cov = n < 10 ? 0.0
                              : (m_sumNllCross / double(n) - lnQ.value * lnB.value) / double(n - 1);
    s.pplModel = {std::exp(lnQ.value), std::exp(lnQ.value) * lnQ.error};
    s.pplReference = {std::exp(lnB.value), std::exp(lnB.value) * lnB.error};
    const double ratioErr =
        std::sqrt(std::max(0.0, lnQ.error * lnQ.error + lnB.error * lnB.error - 2 * cov));
    s.lnPplRatio = {lnQ.value - lnB.value, ratioErr};
    s.pplRatio = {std::exp(s.lnPplRatio.value), std::exp(s.lnPplRatio.value) * ratioErr};
    const double pplCov = s.pplModel.value * s.pplReference.value * cov;
    s.pplDifference = {s.pplModel.value - s.pplReference.value,
                       std::sqrt(std::max(0.0, s.pplModel.error * s.pplModel.error +
                                                   s.pplReference.error * s.pplReference.error -
                                                   2 * pplCov))};
    s.lnPplCorrelation =
        pearsonFromSums(m_sumNll, m_sumNllRef, m_sumNll2, m_sumNllRef2, m_sumNllCross, n);

    std::vector<double> wr = m_windowNllRef, wm = m_windowNllModel;
    if (m_curPositions > 0) {
        wr.push_back(m_curRef / double(m_curPositions));
        wm.push_back(m_curModel / double(m_curPositions));
    }
    double a = 0, b = 0, aa = 0, bb = 0, ab = 0;
    for (std::size_t i = 0; i < wr.size(); ++i) {
        a += wm[i];
        b += wr[i];
        aa += wm[i] * wm[i];
        bb += wr[i] * wr[i];
        ab += wm[i] * wr[i];
    }
    s.windowLnPplCorrelation = pearsonFromSums(a, b, aa, bb, ab, std::int64_t(wr.size()));
    s.memoryBytes = valueBytes();
    return s;
}

namespace {

// Every serialised field of KlStatistics once, in file order: the writer and the reader both walk
// this list, so they cannot drift apart. `f(key, member)` for a std::int64_t, double, Estimate or
// quantile-list member.
template <class Stats, class F>
void visitKlFields(Stats &s, F &&f)
{
    f("windows", s.windows);
    f("seqlen", s.seqlen);
    f("positions", s.positions);
    f("vocab", s.vocab);
    f("kl_mean", s.klMean);
    f("kl_max", s.klMax);
    f("kl_min", s.klMin);
    f("kl_quantiles", s.klQuantiles);
    f("top1_agreement", s.top1Agreement);
    f("delta_p_mean", s.deltaPMean);
    f("delta_p_rms", s.deltaPRms);
    f("delta_p_max", s.deltaPMax);
    f("delta_p_min", s.deltaPMin);
    f("delta_p_quantiles", s.deltaPQuantiles);
    f("ppl_reference", s.pplReference);
    f("ppl_model", s.pplModel);
    f("ln_ppl_ratio", s.lnPplRatio);
    f("ppl_ratio", s.pplRatio);
    f("ppl_difference", s.pplDifference);
    f("ln_ppl_correlation", s.lnPplCorrelation);
    f("window_ln_ppl_correlation", s.windowLnPplCorrelation);
    f("memory_bytes", s.memoryBytes);
    f("seconds", s.seconds);
}

nlohmann::json toJsonValue(std::int64_t v) { return v; }
nlohmann::json toJsonValue(double v) { return num(v); }
nlohmann::json toJsonValue(const Estimate &e) { return est(e); }
nlohmann::json toJsonValue(const std::vector<Quantile> &q) { return quantiles(q); }

// A field that is absent (or null) keeps the member's default: 0 for counts and seconds, NaN for
// the other numbers, an empty estimate or quantile list.
void fromJsonValue(const nlohmann::json &j, std::int64_t &v) { v = j.get<std::int64_t>(); }
void fromJsonValue(const nlohmann::json &j, double &v) { v = j.get<double>(); }
void fromJsonValue(const nlohmann::json &j, Estimate &e)
{
    if (j.is_object())
        e = {getNum(j, "value"), getNum(j, "error")};
}
void fromJsonValue(const nlohmann::json &j, std::vector<Quantile> &q)
{
    if (j.is_array())
        for (const auto &x : j)
            q.push_back({x.at("level").get<double>(), getNum(x, "value")});
}

} // namespace

std::string klStatisticsToJson(const KlStatistics &s)
{
    nlohmann::json j{{"schema", "lieq.klstats"}, {"schema_version", KlStatistics::kSchemaVersion}};
    visitKlFields(s, [&](const char *key, const auto &member) { j[key] = toJsonValue(member); });
    return j.dump();
}

KlStatistics klStatisticsFromJson(const std::string &text, const std::string &source)
{
    nlohmann::json j = parseJson(text, source, "KL statistics: malformed JSON: ");
    if (!j.is_object() || j.value("schema", std::string()) != "lieq.klstats")
        throw Error(source, "KL statistics: not a LieQ KL statistics object");
    KlStatistics s;
    try {
        const int version = j.at("schema_version").get<int>();
        if (version < 1 || version > KlStatistics::kSchemaVersion)
            throw Error(source, "KL statistics: schema version " + std::to_string(version) +
                                    " is newer than this build reads");
        visitKlFields(s, [&](const char *key, auto &member) {
            if (j.contains(key) && !j.at(key).is_null())
                fromJsonValue(j.at(key), member);
        });
    } catch (const nlohmann::json::exception &e) {
        throw Error(source, std::string("KL statistics: a field has the wrong type: ") + e.what());
    }
    return s;
}

std::string formatKlStatistics(const KlStatistics &s)
{
    std::ostringstream os;
    char line[160];
    auto put = [&](const char *fmt, auto... v) {
        std::snprintf(line, sizeof line, fmt, v...);
        os << line;
    };
    put("%lld positions (%lld windows x %lld tokens), %.1f MB working memory, %.1f s\n",
        static_cast<long long>(s.positions), static_cast<long long>(s.windows),
        static_cast<long long>(s.seqlen), double(s.memoryBytes) / 1e6, s.seconds);
    os << "====== Perplexity statistics ======\n";
    put("Mean PPL(Q)                   : %10.6f ± %10.6f\n", s.pplModel.value, s.pplModel.error);
    put("Mean PPL(base)                : %10.6f ± %10.6f\n", s.pplReference.value,
        s.pplReference.error);
    put("Cor(ln(PPL(Q)), ln(PPL(base))): %6.2f%% (per token), %6.2f%% (per window)\n",
        100 * s.lnPplCorrelation, 100 * s.windowLnPplCorrelation);
    put("Mean ln(PPL(Q)/PPL(base))     : %10.6f ± %10.6f\n", s.lnPplRatio.value, s.lnPplRatio.error);
    put("Mean PPL(Q)/PPL(base)         : %10.6f ± %10.6f\n", s.pplRatio.value, s.pplRatio.error);
    put("Mean PPL(Q)-PPL(base)         : %10.6f ± %10.6f\n", s.pplDifference.value,
        s.pplDifference.error);
    os << "====== KL divergence statistics ======\n";
    put("Mean    KLD: %10.6f ± %10.6f\n", s.klMean.value, s.klMean.error);
    put("Maximum KLD: %10.6f\n", s.klMax);
    for (const Quantile &q : s.klQuantiles)
        put("%-8s KLD: %10.6f\n", quantileLabel(q.level).c_str(), q.value);
    put("Minimum KLD: %10.6f\n", s.klMin);
    os << "====== Token probability statistics ======\n";
    put("Mean    Δp: %6.3f ± %5.3f %%\n", 100 * s.deltaPMean.value, 100 * s.deltaPMean.error);
    put("Maximum Δp: %6.3f%%\n", 100 * s.deltaPMax);
    for (const Quantile &q : s.deltaPQuantiles)
        put("%-8s Δp: %6.3f%%\n", quantileLabel(q.level).c_str(), 100 * q.value);
    put("Minimum Δp: %6.3f%%\n", 100 * s.deltaPMin);
    put("RMS Δp    : %6.3f ± %5.3f %%\n", 100 * s.deltaPRms.value, 100 * s.deltaPRms.error);
    put("Same top p: %6.3f ± %5.3f %%\n", 100 * s.top1Agreement.value, 100 * s.top1Agreement.error);
    return os.str();
}

} // namespace lieq
