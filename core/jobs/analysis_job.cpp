#include "core/jobs/analysis_job.h"

#include "core/alloc/layer_specs.h"
#include "core/analysis/diagnostics_runner.h"
#include "core/io/checkpoint.h"
#include "core/jobs/job_store.h"
#include "core/jobs/loaded_model.h"
#include "core/jobs/run_history.h"
#include "core/model/model.h"
#include "core/io/projection.h"
#include "core/store/experiment_store.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <tuple>

namespace lieq::jobs {

namespace {

using analysis::DiagnosticsResult;
using analysis::DiagnosticsStage;
using analysis::LayerDiagnostics;
using analysis::ProjectionDiagnostics;
using analysis::kNaN;

// Where each stored metric lives in the result structs: one table for writing rows and reading
// them back.
struct LayerField
{
    const char *metric;
    double LayerDiagnostics::*field;
    DiagnosticsStage stage;
};
// In the layer table's column order.
constexpr LayerField kLayerFields[] = {
    {"dppl", &LayerDiagnostics::dppl, DiagnosticsStage::Dppl},
    {"ppl_skipped", &LayerDiagnostics::pplSkipped, DiagnosticsStage::Dppl},
    {"dr", &LayerDiagnostics::dr, DiagnosticsStage::Spectral},
    {"dE", &LayerDiagnostics::dE, DiagnosticsStage::Spectral},
    {"compact", &LayerDiagnostics::compactTrained, DiagnosticsStage::Spectral},
    {"compact_random", &LayerDiagnostics::compactRandom, DiagnosticsStage::Spectral}};

struct ProjectionField
{
    const char *metric;
    double ProjectionDiagnostics::*field;
};
constexpr ProjectionField kProjectionFields[] = {
    {"compact", &ProjectionDiagnostics::compactTrained},
    {"compact_random", &ProjectionDiagnostics::compactRandom},
    {"dr", &ProjectionDiagnostics::dr},
    {"energy", &ProjectionDiagnostics::energyTrained},
    {"energy_random", &ProjectionDiagnostics::energyRandom},
    {"dE", &ProjectionDiagnostics::dE}};
// Spectrum sizes, stored as numbers beside the metrics.
constexpr std::pair<const char *, std::int64_t ProjectionDiagnostics::*> kProjectionCounts[] = {
    {"rank", &ProjectionDiagnostics::rank}, {"k", &ProjectionDiagnostics::k}};

// The run's timings JSON: seconds per stage and the dPPL pass's cost.
constexpr std::pair<const char *, double analysis::DiagnosticsTimings::*> kTimingFields[] = {
    {"baseline_s", &analysis::DiagnosticsTimings::baselineSeconds},
    {"spectral_s", &analysis::DiagnosticsTimings::spectralSeconds},
    {"dppl_s", &analysis::DiagnosticsTimings::dpplSeconds},
    {"total_s", &analysis::DiagnosticsTimings::totalSeconds}};
constexpr std::pair<const char *, std::int64_t analysis::DiagnosticsCost::*> kCostFields[] = {
    {"layer_evaluations", &analysis::DiagnosticsCost::layerEvaluations},
    {"head_evaluations", &analysis::DiagnosticsCost::headEvaluations},
    {"naive_layer_evaluations", &analysis::DiagnosticsCost::naiveLayerEvaluations},
    {"naive_head_evaluations", &analysis::DiagnosticsCost::naiveHeadEvaluations},
    {"cached_layers", &analysis::DiagnosticsCost::cachedLayers},
    {"recomputed_layers", &analysis::DiagnosticsCost::recomputedLayers},
    {"cached_bytes", &analysis::DiagnosticsCost::cachedBytes}};

void addProjectionRows(std::vector<store::ProjectionMetric> &rows, const ProjectionDiagnostics &p)
{
    const std::optional<int> head = p.head >= 0 ? std::optional<int>(p.head) : std::nullopt;
    for (const ProjectionField &f : kProjectionFields)
        if (std::isfinite(p.*f.field))
            rows.push_back({p.layer, p.projection, f.metric, head, p.*f.field});
    for (const auto &[metric, field] : kProjectionCounts)
        rows.push_back({p.layer, p.projection, metric, head, static_cast<double>(p.*field)});
}

std::string timingsJson(const DiagnosticsResult &r)
{
    nlohmann::json j;
    for (const auto &[key, field] : kTimingFields)
        j[key] = r.timings.*field;
    for (const auto &[key, field] : kCostFields)
        j[key] = r.cost.*field;
    if (std::isfinite(r.pplBase))
        j["ppl_base"] = r.pplBase;
    if (std::isfinite(r.cost.dpplCostRatio))
        j["dppl_cost_ratio"] = r.cost.dpplCostRatio;
    j["corpus_tokens"] = r.calibration.corpusTokens;
    return j.dump();
}

} // namespace

std::string analysisCostJson(const AnalysisResult &result)
{
    const DiagnosticsResult &r = result.diagnostics;
    nlohmann::json cost, timings;
    for (const auto &[key, field] : kCostFields)
        cost[key] = r.cost.*field;
    cost["dppl_cost_ratio"] = std::isfinite(r.cost.dpplCostRatio) ? nlohmann::json(r.cost.dpplCostRatio)
                                                                   : nlohmann::json();
    for (const auto &[key, field] : kTimingFields)
        timings[key] = r.timings.*field;
    return nlohmann::json{{"cost", cost}, {"timings", timings}}.dump();
}

namespace {

template <typename T>
T jsonValue(const nlohmann::json &j, const char *key, T fallback)
{
    return j.contains(key) && !j[key].is_null() ? j[key].get<T>() : fallback;
}

// Settings and timings of a stored run back into the result's header fields.
void readRunHeader(const store::AnalysisRunDetail &detail, DiagnosticsResult &r)
{
    const nlohmann::json s = nlohmann::json::parse(detail.run.settingsJson);
    r.settings.setMetrics(jsonValue<std::string>(s, "metrics", "dppl,compact,energy"));
    r.settings.initSeed = jsonValue<std::uint64_t>(s, "init_seed", 0);
    r.settings.initStd = jsonValue<double>(s, "init_std", 0);
    r.settings.topKFrac = jsonValue<double>(s, "topk_frac", 0.01);
    r.variant = jsonValue<std::string>(s, "variant", r.settings.variant());
    r.settings.perHead = r.variant.find("heads") != std::string::npos;
    r.initStd = r.settings.initStd;
    r.calibration.path = detail.dataset.path;
    r.calibration.field = jsonValue<std::string>(s, "field", "");
    r.calibration.samples = jsonValue<std::int64_t>(s, "samples", 0);
    r.calibration.seqlen = jsonValue<std::int64_t>(s, "seqlen", 0);
    r.calibration.seed = jsonValue<std::uint64_t>(s, "calibration_seed", 0);
    r.device = detail.run.backend;
    r.numLayers = static_cast<int>(detail.model.layerCount);

    const nlohmann::json t = nlohmann::json::parse(detail.run.timingsJson);
    for (const auto &[key, field] : kTimingFields)
        r.timings.*field = jsonValue<double>(t, key, 0);
    for (const auto &[key, field] : kCostFields)
        r.cost.*field = jsonValue<std::int64_t>(t, key, 0);
    r.pplBase = jsonValue<double>(t, "ppl_base", kNaN);
    r.cost.dpplCostRatio = jsonValue<double>(t, "dppl_cost_ratio", kNaN);
    r.calibration.corpusTokens = jsonValue<std::int64_t>(t, "corpus_tokens", 0);
}

void readLayerRows(const store::AnalysisRunDetail &detail, DiagnosticsResult &r)
{
    int maxLayer = r.numLayers - 1;
    for (const auto &m : detail.layers)
        maxLayer = std::max(maxLayer, m.layer);
    r.layers.resize(static_cast<std::size_t>(maxLayer + 1));
    for (std::size_t l = 0; l < r.layers.size(); ++l)
        r.layers[l].layer = static_cast<int>(l);
    for (const auto &m : detail.layers)
        for (const LayerField &f : kLayerFields)
            if (m.metric == f.metric)
                r.layers[static_cast<std::size_t>(m.layer)].*f.field = m.value;
}

// Rows come ordered by layer, projection name, metric, head: regroup per (layer, proj, head)
// and restore the execution order of the projections.
void readProjectionRows(const store::AnalysisRunDetail &detail, DiagnosticsResult &r)
{
    std::map<std::tuple<int, int, int>, ProjectionDiagnostics> rows;
    for (const auto &m : detail.projections) {
        const auto proj = projectionFromName(m.projection);
        const int order = proj ? static_cast<int>(*proj) : 99;
        const int head = m.head.value_or(-1);
        ProjectionDiagnostics &p = rows[{m.layer, head < 0 ? -1 : 1, order * 100000 + head}];
        p.layer = m.layer;
        p.projection = m.projection;
        p.head = head;
        for (const ProjectionField &f : kProjectionFields)
            if (m.metric == f.metric)
                p.*f.field = m.value;
        for (const auto &[metric, field] : kProjectionCounts)
            if (m.metric == metric)
                p.*field = static_cast<std::int64_t>(m.value);
    }
    for (auto &[key, p] : rows) {
        if (p.layer < 0 || p.layer >= static_cast<int>(r.layers.size()))
            continue;
        LayerDiagnostics &l = r.layers[static_cast<std::size_t>(p.layer)];
        (p.head < 0 ? l.projections : l.heads).push_back(std::move(p));
    }
}

AnalysisResult resultFromStoredRun(const store::AnalysisRunDetail &detail,
                                   const std::string &storePath)
{
    AnalysisResult out;
    readRunHeader(detail, out.diagnostics);
    readLayerRows(detail, out.diagnostics);
    readProjectionRows(detail, out.diagnostics);
    out.correlations = analysis::correlateDiagnostics(out.diagnostics);
    out.runId = detail.run.id;
    out.reused = true;
    out.storePath = storePath;
    return out;
}

// Replays a reused run's layers to the callback, in the order a computation delivers them.
void replay(const DiagnosticsResult &r, const LayerResultFn &onLayer)
{
    if (!onLayer)
        return;
    for (const LayerDiagnostics &l : r.layers) {
        if (!l.projections.empty() || std::isfinite(l.dr) || std::isfinite(l.dE))
            onLayer(DiagnosticsStage::Spectral, l);
        if (std::isfinite(l.dppl))
            onLayer(DiagnosticsStage::Dppl, l);
    }
}

} // namespace

LayerRows layerRows(DiagnosticsStage stage, const LayerDiagnostics &l)
{
    LayerRows rows;
    for (const LayerField &f : kLayerFields)
        if (f.stage == stage && std::isfinite(l.*f.field))
            rows.layer.push_back({l.layer, f.metric, l.*f.field});
    if (stage == DiagnosticsStage::Dppl)
        return rows;
    for (const auto &p : l.projections)
        addProjectionRows(rows.projections, p);
    for (const auto &p : l.heads)
        addProjectionRows(rows.projections, p);
    return rows;
}

alloc::LayerTable layerTable(const AnalysisResult &result, const std::string &modelDir)
{
    const Checkpoint ckpt(modelDir);
    const std::vector<alloc::LayerSpec> specs = alloc::decoderLayerSpecs(ckpt.config());
    alloc::LayerTable table;
    table.otherParams = std::max<std::int64_t>(
        0, static_cast<std::int64_t>(ckpt.parameterCount()) - ckpt.config().decoderLinearParams());
    for (const LayerDiagnostics &l : result.diagnostics.layers) {
        alloc::LayerTableRow row;
        row.layer = l.layer;
        if (l.layer >= 0 && l.layer < static_cast<int>(specs.size())) {
            row.params = specs[static_cast<std::size_t>(l.layer)].params;
            row.linears = specs[static_cast<std::size_t>(l.layer)].linears;
        }
        for (const LayerField &f : kLayerFields)
            row.values.emplace_back(f.metric, l.*f.field);
        table.rows.push_back(std::move(row));
    }
    return table;
}

AnalysisResult loadAnalysis(const JobContext &context, std::int64_t runId)
{
    return resultFromStoredRun(loadAnalysisRun(context, runId), context.storeFile());
}

AnalysisResult runAnalysis(const AnalysisRequest &req, const JobContext &context,
                           const LayerResultFn &onLayer)
{
    const auto start = std::chrono::steady_clock::now();
    context.applyThreads();
    const ModelConfig config = ModelConfig::fromFile(req.modelDir + "/config.json");
    const double initStd = req.settings.initStd > 0 ? req.settings.initStd : config.initializerRange;
    const std::string settings = analysis::diagnosticsSettingsJson(req.calibration, req.settings, initStd);

    AnalysisResult out;
    CalibratedRunStore records = openCalibratedRun(context, req.modelDir, req.calibration, settings, req.reuse);
    if (records.reusable) {
        out = resultFromStoredRun(*records.reusable, records.path);
        replay(out.diagnostics, onLayer);
        return out;
    }
    out.storePath = records.path;
    store::ExperimentStore *db = records.db.get();

    std::unique_ptr<Model> model = Model::load(req.modelDir, modelOptions(context));
    out.runId = records.beginRun(model->deviceName() + "/fp32", settings,
                                 static_cast<std::int64_t>(req.settings.initSeed));
    // Rows go to the store first, then to the caller: what the caller saw is stored.
    const LayerResultFn storeAndForward = [&](DiagnosticsStage stage, const LayerDiagnostics &l) {
        if (db) {
            const LayerRows rows = layerRows(stage, l);
            db->appendLayerMetrics(out.runId, rows.layer, rows.projections);
        }
        if (onLayer)
            onLayer(stage, l);
    };
    auto work = [&] {
        const Tokenizer tokenizer = Tokenizer::fromModelDir(req.modelDir);
        const CalibrationSet calibration = loadCalibration(tokenizer, req.calibration, context);
        out.diagnostics = analysis::runDiagnostics(*model, calibration, req.settings,
                                                   storeAndForward, context.progress);
        out.layerEvaluationsThisCall = out.diagnostics.cost.layerEvaluations;
    };
    runRecordedAnalysis(db, out.runId, start, work, [&] { return timingsJson(out.diagnostics); });
    out.correlations = analysis::correlateDiagnostics(out.diagnostics);
    return out;
}

} // namespace lieq::jobs
