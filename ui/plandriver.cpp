#include "ui/plandriver.h"

#include "core/alloc/baseline_plans.h"
#include "core/alloc/plan_compare.h"
#include "core/util/error.h"

#include <QCoreApplication>

#include <algorithm>
#include <cmath>

namespace lieq::ui {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("lieq::ui::PlanDriver", text); }

bool isRule(const std::string &key)
{
    return key == "llama-cpp" || key == "first" || key == "last" || key == "random";
}

bool complete(const std::vector<double> &v, std::size_t n)
{
    return v.size() == n && std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
}

} // namespace

const std::vector<std::string> &PlanDriver::keys()
{
    static const std::vector<std::string> k{"dr",       "dE",        "dppl",  "sensitivity", "measured",
                                            "llama-cpp", "first",    "last",  "random"};
    return k;
}

QString PlanDriver::label(const std::string &key)
{
    if (key == "dr") return tr("dr: compactness (LieQ)");
    if (key == "dE") return tr("dE: top-k energy");
    if (key == "dppl") return tr("dPPL: perplexity without the layer");
    if (key == "sensitivity") return tr("measured sensitivity (KL, layer alone low)");
    if (key == "measured") return tr("measured gains (knapsack)");
    if (key == "llama-cpp") return tr("llama.cpp rule (edges + every third)");
    if (key == "first") return tr("first layers");
    if (key == "last") return tr("last layers");
    if (key == "random") return tr("random (seeded)");
    return QString::fromStdString(key);
}

QString PlanDriver::tooltip(const std::string &key)
{
    if (key == "sensitivity" || key == "measured")
        return tr("From the measure pass: per layer, the KL from FP16 with only that layer "
                  "quantized low, and the KL gain of raising it over the all-low plan.");
    if (key == "llama-cpp")
        return tr("llama.cpp's use_more_bits: the first and last eighth of the layers, then every "
                  "third layer between them.");
    if (key == "random")
        return tr("A seeded random order: what chance achieves at this budget.");
    return tr("The layers with the highest scores get the high bit-width.");
}

void PlanDriver::setSeries(const std::string &key, std::vector<double> scores)
{
    if (scores.empty())
        m_series.erase(key);
    else
        m_series[key] = std::move(scores);
}

void PlanDriver::clearSeries() { m_series.clear(); }

void PlanDriver::setMeasure(std::vector<double> gains, std::vector<double> klLow, double klAllLow,
                            int lowBits, int highBits)
{
    m_measure = Measure{std::move(gains), std::move(klLow), klAllLow, lowBits, highBits};
}

void PlanDriver::clearMeasure() { m_measure.reset(); }

bool PlanDriver::available(const std::string &key, QString *why) const
{
    auto fail = [why](const QString &text) {
        if (why)
            *why = text;
        return false;
    };
    if (isRule(key))
        return true;
    if (key == "measured" || key == "sensitivity") {
        if (!m_measure)
            return fail(tr("Run the measure pass first (Measure)."));
        const auto &v = key == "measured" ? m_measure->gains : m_measure->klLow;
        return v.empty() || !std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); })
                   ? fail(tr("The measure run has no values for this."))
                   : true;
    }
    if (!m_series.count(key))
        return fail(key == "dppl" ? tr("Run the analysis with dPPL first.")
                                  : tr("Run the analysis first."));
    return true;
}

std::vector<double> PlanDriver::scoresFor(const std::string &key,
                                          const alloc::AllocationRequest &request) const
{
    if (isRule(key))
        return alloc::baselinePriorities(alloc::baselineRuleFromName(key), request.layers, m_seed);
    if (key == "sensitivity" && m_measure)
        return m_measure->klLow;
    if (key == "measured" && m_measure)
        return m_measure->gains;
    const auto it = m_series.find(key);
    return it == m_series.end() ? std::vector<double>() : it->second;
}

alloc::BitPlan PlanDriver::plan(const std::string &key, const alloc::AllocationRequest &request) const
{
    QString why;
    if (!available(key, &why))
        throw Error(why.toStdString());
    if (key == "measured")
        return alloc::measuredPlan(request, m_measure->gains);
    if (isRule(key))
        return alloc::baselinePlan(request, alloc::baselineRuleFromName(key), m_seed);
    alloc::AllocationRequest r = request;
    r.layers = alloc::withScores(request.layers, scoresFor(key, request), key);
    return alloc::allocate(r);
}

bool PlanDriver::measuredPair(const alloc::AllocationRequest &request) const
{
    if (!m_measure || request.perProjection || request.bitSet.size() != 2 ||
        !complete(m_measure->gains, request.layers.size()))
        return false;
    const auto [lo, hi] = std::minmax_element(request.bitSet.begin(), request.bitSet.end());
    return *lo == m_measure->lowBits && *hi == m_measure->highBits;
}

std::optional<double> PlanDriver::predictedDamage(const alloc::BitPlan &plan) const
{
    if (!m_measure || plan.perProjection || plan.bitSet.size() != 2 ||
        plan.bitSet.front() != m_measure->lowBits || plan.bitSet.back() != m_measure->highBits ||
        !complete(m_measure->gains, plan.layers.size()))
        return std::nullopt;
    for (const alloc::PlanUnit &u : plan.units)
        if (u.bits != m_measure->lowBits && u.bits != m_measure->highBits)
            return std::nullopt; // pins at other widths: the gains do not cover them
    return alloc::predictedDamage(plan, m_measure->klAllLow, m_measure->gains);
}

std::vector<alloc::DamagePoint> PlanDriver::bestCurve(const alloc::AllocationRequest &request) const
{
    if (!measuredPair(request))
        return {};
    return alloc::damageCurve(request, m_measure->klAllLow, m_measure->gains);
}

std::vector<alloc::DamagePoint> PlanDriver::curve(const std::string &key,
                                                  const alloc::AllocationRequest &request) const
{
    if (!measuredPair(request) || key == "measured" || !available(key))
        return {};
    const std::vector<double> scores = scoresFor(key, request);
    if (!complete(scores, request.layers.size()))
        return {};
    return alloc::damageCurve(request, m_measure->klAllLow, m_measure->gains, scores);
}

} // namespace lieq::ui
