#include "core/sensitivity/predictor_scores.h"

#include "core/alloc/measured_plan.h"
#include "core/alloc/plan_compare.h"
#include "core/util/error.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace lieq::sensitivity {

namespace {

bool constant(const std::vector<double> &v)
{
    return std::all_of(v.begin(), v.end(), [&](double x) { return x == v.front(); });
}

} // namespace

int singleLayerRank(const std::vector<double> &gains, std::size_t entry)
{
    int rank = 1;
    for (double g : gains)
        rank += g > gains.at(entry);
    return rank;
}

PredictorReport scorePredictors(const alloc::AllocationRequest &request,
                                const std::vector<double> &gains,
                                const std::vector<std::pair<std::string, std::vector<double>>> &predictors,
                                const PredictorOptions &options)
{
    PredictorReport rep;
    rep.budget = request.budget;
    const alloc::BitPlan best = alloc::measuredPlan(request, gains);
    rep.bestLayers = alloc::raisedLayers(best);
    rep.bestGain = alloc::capturedGain(best, gains);
    const bool correlate = gains.size() >= 3 && !constant(gains);
    double bestShare = -INFINITY;
    for (const auto &[name, scores] : predictors) {
        PredictorScore s;
        s.name = name;
        s.scores = scores;
        alloc::AllocationRequest r = request;
        r.layers = alloc::withScores(request.layers, scores, "predictor " + name);
        for (alloc::LayerSpec &l : r.layers)
            for (alloc::LinearShape &x : l.linears)
                x.score = std::numeric_limits<double>::quiet_NaN();
        r.protectLowest = false;
        const alloc::BitPlan plan = alloc::allocate(r);
        s.protectedLayers = alloc::raisedLayers(plan);
        s.capturedGain = alloc::capturedGain(plan, gains);
        s.share = rep.bestGain > 0 ? s.capturedGain / rep.bestGain
                                   : std::numeric_limits<double>::quiet_NaN();
        const std::size_t top = std::size_t(std::max_element(scores.begin(), scores.end()) -
                                            scores.begin());
        s.topChoice = request.layers[top].index;
        s.topChoiceRank = singleLayerRank(gains, top);
        if (correlate && !constant(scores)) {
            using analysis::CorrelationMethod;
            s.spearman = analysis::spearman(scores, gains);
            s.kendall = analysis::kendallTauB(scores, gains);
            s.spearmanCi = analysis::bootstrapCi(CorrelationMethod::Spearman, scores, gains,
                                                 options.resamples, options.level, options.seed);
            s.kendallCi = analysis::bootstrapCi(CorrelationMethod::Kendall, scores, gains,
                                                options.resamples, options.level, options.seed);
        } else {
            s.spearman.coefficient = s.kendall.coefficient =
                std::numeric_limits<double>::quiet_NaN();
            s.spearmanCi.estimate = s.spearmanCi.low = s.spearmanCi.high =
                std::numeric_limits<double>::quiet_NaN();
            s.kendallCi = s.spearmanCi;
        }
        if (std::isfinite(s.share) && s.share > bestShare + 1e-12) {
            bestShare = s.share;
            rep.winner = name;
        }
        rep.predictors.push_back(std::move(s));
    }
    return rep;
}

std::string formatPredictorReport(const PredictorReport &r)
{
    std::ostringstream os;
    char line[256];
    auto list = [](const std::vector<int> &v) {
        std::string s;
        for (int x : v)
            s += (s.empty() ? "" : ",") + std::to_string(x);
        return s.empty() ? std::string("-") : s;
    };
    std::snprintf(line, sizeof line,
                  "best achievable at %.4f bits: raise layer(s) %s, gain %.6f nats of KL\n",
                  r.budget, list(r.bestLayers).c_str(), r.bestGain);
    os << line;
    os << "predictor      raises        share   top  rank   Spearman [95% CI]      Kendall [95% CI]\n";
    for (const PredictorScore &p : r.predictors) {
        std::snprintf(line, sizeof line,
                      "%-13s  %-12s %6.1f%% %4d %5d  %+5.2f [%+5.2f, %+5.2f]  %+5.2f [%+5.2f, %+5.2f]\n",
                      p.name.c_str(), list(p.protectedLayers).c_str(), 100 * p.share, p.topChoice,
                      p.topChoiceRank, p.spearman.coefficient, p.spearmanCi.low, p.spearmanCi.high,
                      p.kendall.coefficient, p.kendallCi.low, p.kendallCi.high);
        os << line;
    }
    if (!r.winner.empty())
        os << "largest share of the best achievable gain: " << r.winner << "\n";
    return os.str();
}

} // namespace lieq::sensitivity
