#include "core/exchange/report_data.h"

#include "core/alloc/plan_json.h"
#include "core/store/experiment_store.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <map>

namespace lieq::exchange {

namespace {

using analysis::CorrelationMethod;

template <typename T>
void addUnique(std::vector<T> &list, const T &item)
{
    for (const T &x : list)
        if (x.id == item.id)
            return;
    list.push_back(item);
}

ReportAnalysis analysisFrom(store::AnalysisRunDetail detail, const ReportOptions &o)
{
    ReportAnalysis a;
    std::map<int, std::array<double, 3>> byLayer;
    for (const store::LayerMetric &m : detail.layers) {
        auto it = byLayer.try_emplace(m.layer, std::array<double, 3>{store::kNoValue, store::kNoValue,
                                                                     store::kNoValue}).first;
        if (m.metric == "dppl")
            it->second[0] = m.value;
        else if (m.metric == "dr")
            it->second[1] = m.value;
        else if (m.metric == "dE")
            it->second[2] = m.value;
    }
    for (const auto &[layer, v] : byLayer) {
        a.layers.push_back(layer);
        a.dppl.push_back(v[0]);
        a.dr.push_back(v[1]);
        a.dE.push_back(v[2]);
    }
    std::vector<double> x, y;
    for (std::size_t i = 0; i < a.layers.size(); ++i)
        if (std::isfinite(a.dppl[i]) && std::isfinite(a.dr[i])) {
            x.push_back(a.dppl[i]);
            y.push_back(a.dr[i]);
        }
    if (x.size() < 3) {
        a.correlationNote = x.empty() ? "this run has no layer with both dPPL and dr"
                                      : "only " + std::to_string(x.size()) +
                                            " layers have both dPPL and dr (3 needed)";
    } else {
        for (CorrelationMethod m : {CorrelationMethod::Spearman, CorrelationMethod::Pearson,
                                    CorrelationMethod::Kendall}) {
            ReportCorrelation c;
            c.method = m;
            c.value = analysis::correlate(m, x, y);
            if (o.bootstrapResamples > 0)
                c.ci = analysis::bootstrapCi(m, x, y, o.bootstrapResamples, 0.95, o.seed);
            a.correlations.push_back(c);
        }
    }
    a.detail = std::move(detail);
    return a;
}

// Per-layer bits from the stored plan: the per-layer array the pipeline writes, refined by the
// full plan (settingsJson) where projections of a layer differ.
void planBits(const store::Plan &plan, const std::string &storePath, ReportQuantRun &q)
{
    try {
        const nlohmann::json bits = nlohmann::json::parse(plan.bitsJson);
        if (bits.is_array())
            q.layerBits = bits.get<std::vector<int>>();
    } catch (const nlohmann::json::exception &) {
        q.layerBits.clear();
    }
    alloc::BitPlan full;
    try {
        full = alloc::planFromJson(plan.settingsJson, storePath + ": plan " + std::to_string(plan.id));
    } catch (const Error &) {
        full = {}; // plans stored by other tools carry only the per-layer array
    }
    if (q.layerBits.empty() && !full.units.empty())
        q.layerBits = full.layerBits();
    for (std::size_t l = 0; l < q.layerBits.size(); ++l) {
        std::string text;
        if (q.layerBits[l] >= 0 || full.units.empty()) {
            text = q.layerBits[l] >= 0 ? std::to_string(q.layerBits[l]) : "mixed";
        } else {
            for (const alloc::PlanUnit &u : full.units)
                if (u.layer == static_cast<int>(l))
                    text += (text.empty() ? "" : ", ") + u.group + " " + std::to_string(u.bits);
        }
        q.layerBitsText.push_back(text);
    }
}

std::string defaultTitle(const ReportData &d)
{
    std::string names;
    for (const store::ModelRecord &m : d.models)
        names += (names.empty() ? "" : ", ") + (m.name.empty() ? m.path : m.name);
    return "LieQ report" + (names.empty() ? std::string() : ": " + names);
}

} // namespace

const store::ModelRecord *ReportData::model(std::int64_t id) const
{
    for (const auto &m : models)
        if (m.id == id)
            return &m;
    return nullptr;
}

const store::DatasetRecord *ReportData::dataset(std::int64_t id) const
{
    for (const auto &d : datasets)
        if (d.id == id)
            return &d;
    return nullptr;
}

ReportData collectReport(store::ExperimentStore &store, const std::vector<RunRef> &runs,
                         const ReportOptions &options)
{
    if (runs.empty())
        throw Error(store.path(), "a report needs at least one run");
    ReportData d;
    d.storePath = store.path();
    d.storeSchemaVersion = store.schemaVersion();
    d.versions = options.versions;
    d.generatedAtMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
    std::vector<std::int64_t> analysisIds;
    auto wantAnalysis = [&](std::int64_t id) {
        if (std::find(analysisIds.begin(), analysisIds.end(), id) == analysisIds.end())
            analysisIds.push_back(id);
    };
    for (const RunRef &r : runs) {
        if (r.kind == store::RunKind::Analysis) {
            wantAnalysis(r.id);
            continue;
        }
        auto detail = store.loadQuantRun(r.id);
        if (!detail)
            throw Error(store.path(), "quantization run " + r.text() + " does not exist");
        ReportQuantRun q;
        planBits(detail->plan, store.path(), q);
        store::EvalFilter f;
        f.quantRunId = r.id;
        q.evals = store.evalResults(f);
        store::KlStatsFilter kf;
        kf.quantRunId = r.id;
        q.kl = store.klStats(kf);
        if (options.withSourceAnalyses && detail->plan.sourceRunId &&
            store.analysisRun(*detail->plan.sourceRunId))
            wantAnalysis(*detail->plan.sourceRunId);
        q.detail = std::move(*detail);
        d.quantRuns.push_back(std::move(q));
    }
    for (std::int64_t id : analysisIds) {
        auto detail = store.loadAnalysisRun(id);
        if (!detail)
            throw Error(store.path(), "analysis run a" + std::to_string(id) + " does not exist");
        addUnique(d.models, detail->model);
        addUnique(d.datasets, detail->dataset);
        d.analyses.push_back(analysisFrom(std::move(*detail), options));
    }
    for (const ReportQuantRun &q : d.quantRuns) {
        if (auto m = store.model(q.detail.run.modelId))
            addUnique(d.models, *m);
        std::vector<std::optional<std::int64_t>> ids{q.detail.run.datasetId};
        for (const store::EvalResult &e : q.evals)
            ids.push_back(e.datasetId);
        for (const auto &id : ids)
            if (id)
                if (auto ds = store.dataset(*id))
                    addUnique(d.datasets, *ds);
    }
    for (const store::ModelRecord &m : d.models) {
        store::EvalFilter f;
        f.modelId = m.id;
        f.baselineOnly = true;
        for (store::EvalResult &e : store.evalResults(f)) {
            if (e.datasetId)
                if (auto ds = store.dataset(*e.datasetId))
                    addUnique(d.datasets, *ds);
            d.baselines.push_back(std::move(e));
        }
    }
    d.title = options.title.empty() ? defaultTitle(d) : options.title;
    return d;
}

} // namespace lieq::exchange
