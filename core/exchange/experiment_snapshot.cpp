#include "core/exchange/experiment_snapshot.h"

#include "core/exchange/report_data.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace lieq::exchange {

namespace {

using ojson = nlohmann::ordered_json;

ojson num(double v) { return std::isfinite(v) ? ojson(v) : ojson(nullptr); }

template <typename T>
ojson opt(const std::optional<T> &v)
{
    return v ? ojson(*v) : ojson(nullptr);
}

ojson analysisRunJson(const store::AnalysisRunDetail &d)
{
    const store::AnalysisRun &r = d.run;
    ojson layers = ojson::array();
    for (const store::LayerMetric &m : d.layers)
        layers.push_back(ojson::array({m.layer, m.metric, num(m.value)}));
    ojson projections = ojson::array();
    for (const store::ProjectionMetric &m : d.projections)
        projections.push_back(ojson::array({m.layer, m.projection, m.metric, opt(m.head), num(m.value)}));
    return {{"id", r.id}, {"model_id", r.modelId}, {"dataset_id", r.datasetId}, {"backend", r.backend},
            {"settings_json", r.settingsJson}, {"seed", opt(r.seed)},
            {"status", store::runStatusName(r.status)}, {"error", r.errorText},
            {"timings_json", r.timingsJson}, {"wall_seconds", num(r.wallSeconds)},
            {"created_at", r.createdAtMs}, {"finished_at", opt(r.finishedAtMs)},
            {"layer_metrics", layers}, {"projection_metrics", projections}};
}

ojson planJson(const store::Plan &p)
{
    return {{"id", p.id}, {"model_id", p.modelId}, {"source_run_id", opt(p.sourceRunId)},
            {"name", p.name}, {"method", p.method}, {"budget_bits", p.budgetBits},
            {"bits_json", p.bitsJson}, {"nominal_bits", num(p.nominalBits)},
            {"effective_bits", num(p.effectiveBits)}, {"settings_json", p.settingsJson},
            {"created_at", p.createdAtMs}};
}

ojson quantRunJson(const store::QuantRunDetail &d)
{
    const store::QuantRun &r = d.run;
    ojson losses = ojson::array();
    for (const store::ModuleLoss &m : d.losses)
        losses.push_back(ojson::array({m.layer, m.module, opt(m.bits), num(m.loss), num(m.seconds)}));
    return {{"id", r.id}, {"plan_id", r.planId}, {"dataset_id", opt(r.datasetId)}, {"method", r.method},
            {"settings_json", r.settingsJson}, {"seed", opt(r.seed)},
            {"status", store::runStatusName(r.status)}, {"error", r.errorText},
            {"timings_json", r.timingsJson}, {"wall_seconds", num(r.wallSeconds)},
            {"output_path", r.outputPath}, {"output_bytes", r.outputBytes},
            {"created_at", r.createdAtMs}, {"finished_at", opt(r.finishedAtMs)}, {"losses", losses}};
}

// A model or dataset row: id, the fields `keys` names, added_at.
template <typename Record, std::size_t N, typename Fields>
ojson recordJson(const Record &r, const std::array<const char *, N> &keys, Fields fields)
{
    ojson j;
    j["id"] = r.id;
    visitFields(keys, fields, [&j](const char *key, const auto &value) { j[key] = value; });
    j["added_at"] = r.addedAtMs;
    return j;
}

ojson evalJson(const store::EvalResult &e)
{
    return {{"id", e.id}, {"model_id", e.modelId}, {"quant_run_id", opt(e.quantRunId)},
            {"dataset_id", opt(e.datasetId)}, {"task", e.task}, {"metric", e.metric},
            {"value", num(e.value)}, {"stderr", num(e.stderrValue)}, {"n", e.n},
            {"settings_json", e.settingsJson}, {"created_at", e.createdAtMs}};
}

} // namespace

std::string experimentSnapshotJson(const ReportData &data)
{
    ojson models = ojson::array();
    for (const store::ModelRecord &m : data.models)
        models.push_back(recordJson(m, kModelKeys, modelFields(m)));
    ojson datasets = ojson::array();
    for (const store::DatasetRecord &d : data.datasets)
        datasets.push_back(recordJson(d, kDatasetKeys, datasetFields(d)));
    ojson analyses = ojson::array();
    for (const ReportAnalysis &a : data.analyses)
        analyses.push_back(analysisRunJson(a.detail));
    ojson plans = ojson::array(), quant = ojson::array(), evals = ojson::array();
    for (const ReportQuantRun &q : data.quantRuns) {
        bool seen = false;
        for (const auto &p : plans)
            seen = seen || p["id"] == q.detail.plan.id;
        if (!seen)
            plans.push_back(planJson(q.detail.plan));
        quant.push_back(quantRunJson(q.detail));
        for (const store::EvalResult &e : q.evals)
            evals.push_back(evalJson(e));
    }
    for (const store::EvalResult &e : data.baselines)
        evals.push_back(evalJson(e));
    const ojson j{{"schema", kExperimentSchema}, {"schemaVersion", kExperimentSchemaVersion},
                  {"source_store", data.storePath}, {"models", models}, {"datasets", datasets},
                  {"analysis_runs", analyses}, {"plans", plans}, {"quant_runs", quant}, {"evals", evals}};
    return j.dump(1) + "\n";
}

} // namespace lieq::exchange
