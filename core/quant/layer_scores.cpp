#include "core/quant/layer_scores.h"

#include "core/store/experiment_store.h"
#include "core/util/error.h"

#include <cmath>
#include <limits>
#include <map>

namespace lieq {

std::string canonicalScoreMetric(const std::string &name)
{
    if (name == "dr" || name == "compact" || name == "compactness")
        return "dr";
    if (name == "dE" || name == "de" || name == "energy")
        return "dE";
    if (name == "dppl" || name == "dPPL" || name == "oracle")
        return "dppl";
    throw Error("score metric \"" + name +
                "\" is not one of dr (compactness), dE (energy) or dppl (measured, the oracle)");
}

StoredLayerScores loadStoredLayerScores(const std::string &storePath, std::int64_t runId,
                                        const std::string &metric)
{
    StoredLayerScores out;
    out.runId = runId;
    out.metric = canonicalScoreMetric(metric);
    store::ExperimentStore st(storePath, store::ExperimentStore::Access::ReadOnly);
    const auto detail = st.loadAnalysisRun(runId);
    if (!detail)
        throw Error(st.path(), "no analysis run " + std::to_string(runId));
    if (detail->run.status != store::RunStatus::Done)
        throw Error(st.path(), "analysis run " + std::to_string(runId) + " is " +
                                   store::runStatusName(detail->run.status) +
                                   ", not done: its scores are incomplete");
    out.modelPath = detail->model.path;
    const std::int64_t layers = detail->model.layerCount;
    std::map<int, double> values;
    for (const store::LayerMetric &m : detail->layers)
        if (m.metric == out.metric)
            values[m.layer] = m.value;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    out.scores.assign(static_cast<std::size_t>(std::max<std::int64_t>(layers, 0)), nan);
    for (std::int64_t l = 0; l < layers; ++l) {
        const auto it = values.find(static_cast<int>(l));
        if (it == values.end() || !std::isfinite(it->second))
            throw Error(st.path(), "analysis run " + std::to_string(runId) + " has no finite " +
                                       out.metric + " for layer " + std::to_string(l) +
                                       (out.metric == "dppl" ? " (run it with --metrics dppl)"
                                                             : " (run it with --metrics compact,energy)"));
        out.scores[static_cast<std::size_t>(l)] = it->second;
    }
    if (out.scores.empty())
        throw Error(st.path(), "analysis run " + std::to_string(runId) + " covers no layers");
    return out;
}

} // namespace lieq
