#include "core/jobs/analysis_job.h"

#include "core/alloc/layer_specs.h"
#include "core/analysis/diagnostics_runner.h"
#include "core/data/corpus.h"
#include "core/io/checkpoint.h"
#include "core/jobs/job_store.h"
#include "core/jobs/run_history.h"
#include "core/model/model.h"
#include "core/io/projection.h"
#include "core/store/experiment_store.h"
#include "core/store/fingerprint.h"
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

void addProjectionRows(std::vector<store::ProjectionMetric> &rows, const ProjectionDiagnostics &p)
{
    const std::optional<int> head = p.head >= 0 ? std::optional<int>(p.head) : std::nullopt;
    auto add = [&](const char *metric, double v) {
        if (std::isfinite(v))
            rows.push_back({p.layer, p.projection, metric, head, v});
    };
    add("compact", p.compactTrained);
    add("compact_random", p.compactRandom);
    add("dr", p.dr);
    add("energy", p.energyTrained);
    add("energy_random", p.energyRandom);
    add("dE", p.dE);
    add("rank", static_cast<double>(p.rank));
    add("k", static_cast<double>(p.k));
}

std::string timingsJson(const DiagnosticsResult &r)
{
    nlohmann::json j;
    j["baseline_s"] = r.timings.baselineSeconds;
    j["spectral_s"] = r.timings.spectralSeconds;
    j["dppl_s"] = r.timings.dpplSeconds;
    j["total_s"] = r.timings.totalSeconds;
    if (std::isfinite(r.pplBase))
        j["ppl_base"] = r.pplBase;
    j["layer_evaluations"] = r.cost.layerEvaluations;
    j["head_evaluations"] = r.cost.headEvaluations;
    j["naive_layer_evaluations"] = r.cost.naiveLayerEvaluations;
    j["naive_head_evaluations"] = r.cost.naiveHeadEvaluations;
    j["cached_layers"] = r.cost.cachedLayers;
    j["recomputed_layers"] = r.cost.recomputedLayers;
    j["cached_bytes"] = r.cost.cachedBytes;
    if (std::isfinite(r.cost.dpplCostRatio))
        j["dppl_cost_ratio"] = r.cost.dpplCostRatio;
    j["corpus_tokens"] = r.calibration.corpusTokens;
    return j.dump();
}

template <typename T>
T jsonValue(const nlohmann::json &j, const char *key, T fallback)
{
    return j.contains(key) && !j[key].is_null() ? j[key].get<T>() : fallback;
}

double secondsSince(std::chrono::steady_clock::time_point t)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
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
    r.timings.baselineSeconds = jsonValue<double>(t, "baseline_s", 0);
    r.timings.spectralSeconds = jsonValue<double>(t, "spectral_s", 0);
    r.timings.dpplSeconds = jsonValue<double>(t, "dppl_s", 0);
    r.timings.totalSeconds = jsonValue<double>(t, "total_s", 0);
    r.pplBase = jsonValue<double>(t, "ppl_base", kNaN);
    r.cost.layerEvaluations = jsonValue<std::int64_t>(t, "layer_evaluations", 0);
    r.cost.headEvaluations = jsonValue<std::int64_t>(t, "head_evaluations", 0);
    r.cost.naiveLayerEvaluations = jsonValue<std::int64_t>(t, "naive_layer_evaluations", 0);
    r.cost.naiveHeadEvaluations = jsonValue<std::int64_t>(t, "naive_head_evaluations", 0);
    r.cost.cachedLayers = jsonValue<std::int64_t>(t, "cached_layers", 0);
    r.cost.recomputedLayers = jsonValue<std::int64_t>(t, "recomputed_layers", 0);
    r.cost.cachedBytes = jsonValue<std::int64_t>(t, "cached_bytes", 0);
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
    for (const auto &m : detail.layers) {
        LayerDiagnostics &l = r.layers[static_cast<std::size_t>(m.layer)];
        if (m.metric == "dr") l.dr = m.value;
        else if (m.metric == "dE") l.dE = m.value;
        else if (m.metric == "compact") l.compactTrained = m.value;
        else if (m.metric == "compact_random") l.compactRandom = m.value;
        else if (m.metric == "dppl") l.dppl = m.value;
        else if (m.metric == "ppl_skipped") l.pplSkipped = m.value;
    }
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
        if (m.metric == "compact") p.compactTrained = m.value;
        else if (m.metric == "compact_random") p.compactRandom = m.value;
        else if (m.metric == "dr") p.dr = m.value;
        else if (m.metric == "energy") p.energyTrained = m.value;
        else if (m.metric == "energy_random") p.energyRandom = m.value;
        else if (m.metric == "dE") p.dE = m.value;
        else if (m.metric == "rank") p.rank = static_cast<std::int64_t>(m.value);
        else if (m.metric == "k") p.k = static_cast<std::int64_t>(m.value);
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
    auto add = [&](const char *metric, double v) {
        if (std::isfinite(v))
            rows.layer.push_back({l.layer, metric, v});
    };
    if (stage == DiagnosticsStage::Dppl) {
        add("dppl", l.dppl);
        add("ppl_skipped", l.pplSkipped);
        return rows;
    }
    add("dr", l.dr);
    add("dE", l.dE);
    add("compact", l.compactTrained);
    add("compact_random", l.compactRandom);
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
        row.values = {{"dppl", l.dppl},     {"ppl_skipped", l.pplSkipped},
                      {"dr", l.dr},         {"dE", l.dE},
                      {"compact", l.compactTrained}, {"compact_random", l.compactRandom}};
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
    std::unique_ptr<store::ExperimentStore> db = openStore(context);
    std::int64_t modelId = 0, datasetId = 0;
    if (db) {
        out.storePath = db->path();
        const store::ModelRecord model = store::describeModel(req.modelDir);
        const store::DatasetRecord data = store::describeDataset(
            req.calibration.path, Corpus::kindOf(req.calibration.path, req.calibration.field));
        modelId = db->upsertModel(model);
        datasetId = db->upsertDataset(data);
        if (req.reuse)
            if (auto id = db->findReusableAnalysisRun(model.fingerprint, data.contentHash,
                                                      store::settingsHash(settings))) {
                const auto detail = db->loadAnalysisRun(*id);
                if (!detail)
                    throw Error(db->path(), "analysis run " + std::to_string(*id) + " vanished");
                out = resultFromStoredRun(*detail, db->path());
                replay(out.diagnostics, onLayer);
                return out;
            }
    }

    ModelOptions mo;
    mo.device = context.device;
    if (context.streamLayers)
        mo.residentBudgetBytes = 0;
    std::unique_ptr<Model> model = Model::load(req.modelDir, mo);
    if (db) {
        store::AnalysisRunSpec spec;
        spec.modelId = modelId;
        spec.datasetId = datasetId;
        spec.backend = model->deviceName() + "/fp32";
        spec.settingsJson = settings;
        spec.seed = static_cast<std::int64_t>(req.settings.initSeed);
        out.runId = db->beginAnalysisRun(spec);
    }
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
        context.report("calibration", 0, 1, req.calibration.path);
        const Tokenizer tokenizer = Tokenizer::fromModelDir(req.modelDir);
        const CalibrationSet calibration = sampleCalibration(tokenizer, req.calibration);
        out.diagnostics = analysis::runDiagnostics(*model, calibration, req.settings,
                                                   storeAndForward, context.progress);
        out.layerEvaluationsThisCall = out.diagnostics.cost.layerEvaluations;
    };
    if (!db) {
        work();
    } else {
        recordOutcome(work, [&](store::RunStatus status, const std::string &error) {
            store::RunOutcome o;
            o.status = status;
            o.errorText = error;
            o.timingsJson = status == store::RunStatus::Done ? timingsJson(out.diagnostics) : "{}";
            o.wallSeconds = secondsSince(start);
            db->finishAnalysisRun(out.runId, o);
        });
    }
    out.correlations = analysis::correlateDiagnostics(out.diagnostics);
    return out;
}

} // namespace lieq::jobs
