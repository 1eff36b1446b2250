#include "app/cli/result_json.h"

#include "core/alloc/scores_file.h"

#include <cmath>

namespace lieq::cli {

using nlohmann::json;
using namespace lieq::analysis;

json number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

namespace {

json projectionJson(const ProjectionDiagnostics &p)
{
    json j{{"projection", p.projection}, {"rank", p.rank}, {"k", p.k},
           {"compact", number(p.compactTrained)}, {"compact_random", number(p.compactRandom)},
           {"dr", number(p.dr)}, {"energy", number(p.energyTrained)},
           {"energy_random", number(p.energyRandom)}, {"dE", number(p.dE)}};
    if (p.head >= 0)
        j["head"] = p.head;
    if (!p.route.empty())
        j["route"] = p.route;
    return j;
}

json correlationJson(const MetricCorrelation &c)
{
    auto one = [](const Correlation &r, const ConfidenceInterval &ci) {
        return json{{"coefficient", number(r.coefficient)}, {"p_value", number(r.pValue)},
                    {"p_method", r.pMethod}, {"ci_low", number(ci.low)},
                    {"ci_high", number(ci.high)}, {"ci_level", ci.level},
                    {"bootstrap", ci.resamples}, {"bootstrap_seed", ci.seed}};
    };
    return json{{"x", c.x}, {"y", c.y}, {"n", c.n},
                {"pearson", one(c.pearson, c.pearsonCi)},
                {"spearman", one(c.spearman, c.spearmanCi)},
                {"kendall", one(c.kendall, c.kendallCi)}};
}

} // namespace

json analysisJson(const jobs::AnalysisResult &o, const std::string &modelDir)
{
    const DiagnosticsResult &r = o.diagnostics;
    json table = json::parse(alloc::layerTableJson(jobs::layerTable(o, modelDir)));
    for (std::size_t i = 0; i < table["layers"].size() && i < r.layers.size(); ++i) {
        json pj = json::array(), hj = json::array();
        for (const auto &p : r.layers[i].projections)
            pj.push_back(projectionJson(p));
        for (const auto &p : r.layers[i].heads)
            hj.push_back(projectionJson(p));
        table["layers"][i]["projections"] = pj;
        if (!hj.empty())
            table["layers"][i]["heads"] = hj;
    }
    json cj = json::array();
    for (const auto &c : o.correlations)
        cj.push_back(correlationJson(c));
    const json cost = json::parse(jobs::analysisCostJson(o));
    return json{
        {"run_id", o.runId}, {"reused", o.reused}, {"store", o.storePath},
        {"model", modelDir},
        {"device", r.device}, {"metrics", r.settings.metricsList()}, {"variant", r.variant},
        {"init_seed", r.settings.initSeed}, {"init_std", number(r.initStd)},
        {"topk_frac", r.settings.topKFrac},
        {"calibration", {{"path", r.calibration.path}, {"field", r.calibration.field},
                         {"samples", r.calibration.samples}, {"seqlen", r.calibration.seqlen},
                         {"seed", r.calibration.seed}, {"corpus_tokens", r.calibration.corpusTokens},
                         {"starts", r.calibration.starts}}},
        {"ppl_base", number(r.pplBase)},
        {"layers", table["layers"]},
        {"other_params", table["other_params"]},
        {"correlations", cj},
        {"cost", cost["cost"]},
        {"timings", cost["timings"]}};
}

} // namespace lieq::cli
