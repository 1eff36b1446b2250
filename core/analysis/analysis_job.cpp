#include "core/analysis/analysis_job.h"

#include "core/analysis/calibration.h"
#include "core/analysis/diagnostics_runner.h"
#include "core/io/model_config.h"
#include "core/model/model.h"
#include "core/model/projection.h"
#include "core/store/experiment_store.h"
#include "core/store/fingerprint.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <tuple>

namespace lieq::analysis {

namespace {

using store::LayerMetric;
using store::ProjectionMetric;

void addIfFinite(std::vector<LayerMetric> &rows, int layer, const char *metric, double v)
{
    if (std::isfinite(v))
        rows.push_back({layer, metric, v});
}

void addProjectionRows(std::vector<ProjectionMetric> &rows, const ProjectionDiagnostics &p)
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

} // namespace

DiagnosticsResult resultFromStoredRun(const store::AnalysisRunDetail &detail)
{
    DiagnosticsResult r;
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
    // Rows come ordered by layer, projection name, metric, head: regroup per (layer, proj, head)
    // and restore execution order of the projections.
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
        LayerDiagnostics &l = r.layers[static_cast<std::size_t>(p.layer)];
        (p.head < 0 ? l.projections : l.heads).push_back(std::move(p));
    }
    return r;
}

AnalysisOutcome runAnalysis(const AnalysisRequest &req, const LayerResultFn &onLayer,
                            const ProgressFn &progress)
{
    const auto start = std::chrono::steady_clock::now();
    const std::string configPath = req.modelDir + "/config.json";
    const ModelConfig config = ModelConfig::fromFile(configPath);
    const double initStd = req.settings.initStd > 0 ? req.settings.initStd : config.initializerRange;
    const std::string settings = diagnosticsSettingsJson(req.calibration, req.settings, initStd);

    AnalysisOutcome outcome;
    std::unique_ptr<store::ExperimentStore> db;
    std::int64_t modelId = 0, datasetId = 0;
    if (req.useStore) {
        db = std::make_unique<store::ExperimentStore>(req.storePath);
        outcome.storePath = db->path();
        const store::ModelRecord model = store::describeModel(req.modelDir);
        const std::string ext = std::filesystem::path(req.calibration.path).extension().string();
        const bool jsonl = ext == ".jsonl" || ext == ".ndjson";
        const store::DatasetRecord data = store::describeDataset(
            req.calibration.path,
            jsonl ? "jsonl:" + (req.calibration.field.empty() ? std::string("text") : req.calibration.field)
                  : std::string("text"));
        modelId = db->upsertModel(model);
        datasetId = db->upsertDataset(data);
        if (req.reuse) {
            if (auto id = db->findReusableAnalysisRun(model.fingerprint, data.contentHash,
                                                      store::settingsHash(settings))) {
                const auto detail = db->loadAnalysisRun(*id);
                if (!detail)
                    throw Error(db->path(), "analysis run " + std::to_string(*id) + " vanished");
                outcome.result = resultFromStoredRun(*detail);
                outcome.runId = *id;
                outcome.reused = true;
                if (onLayer)
                    for (const LayerDiagnostics &l : outcome.result.layers) {
                        if (!l.projections.empty() || std::isfinite(l.dr) || std::isfinite(l.dE))
                            onLayer(DiagnosticsStage::Spectral, l);
                        if (std::isfinite(l.dppl))
                            onLayer(DiagnosticsStage::Dppl, l);
                    }
                return outcome;
            }
        }
    }

    std::unique_ptr<Model> model = Model::load(req.modelDir, req.modelOptions);
    if (db) {
        store::AnalysisRunSpec spec;
        spec.modelId = modelId;
        spec.datasetId = datasetId;
        spec.backend = model->deviceName() + "/fp32";
        spec.settingsJson = settings;
        spec.seed = static_cast<std::int64_t>(req.settings.initSeed);
        outcome.runId = db->beginAnalysisRun(spec);
    }
    auto finish = [&](store::RunStatus status, const std::string &error, const std::string &timings) {
        if (!db)
            return;
        store::RunOutcome o;
        o.status = status;
        o.errorText = error;
        o.timingsJson = timings;
        o.wallSeconds = secondsSince(start);
        db->finishAnalysisRun(outcome.runId, o);
    };
    // Rows go to the store first, then to the caller: what the caller saw is stored.
    LayerResultFn storeAndForward = [&](DiagnosticsStage stage, const LayerDiagnostics &l) {
        if (db) {
            std::vector<LayerMetric> layerRows;
            std::vector<ProjectionMetric> projRows;
            if (stage == DiagnosticsStage::Spectral) {
                addIfFinite(layerRows, l.layer, "dr", l.dr);
                addIfFinite(layerRows, l.layer, "dE", l.dE);
                addIfFinite(layerRows, l.layer, "compact", l.compactTrained);
                addIfFinite(layerRows, l.layer, "compact_random", l.compactRandom);
                for (const auto &p : l.projections)
                    addProjectionRows(projRows, p);
                for (const auto &p : l.heads)
                    addProjectionRows(projRows, p);
            } else {
                addIfFinite(layerRows, l.layer, "dppl", l.dppl);
                addIfFinite(layerRows, l.layer, "ppl_skipped", l.pplSkipped);
            }
            db->appendLayerMetrics(outcome.runId, layerRows, projRows);
        }
        if (onLayer)
            onLayer(stage, l);
    };
    try {
        reportProgress(progress, {"calibration", 0, 1, req.calibration.path});
        const Tokenizer tokenizer = Tokenizer::fromModelDir(req.modelDir);
        const CalibrationSet calibration = sampleCalibration(tokenizer, req.calibration);
        outcome.result = runDiagnostics(*model, calibration, req.settings, storeAndForward, progress);
        outcome.layerEvaluationsThisCall = outcome.result.cost.layerEvaluations;
    } catch (const Cancelled &) {
        finish(store::RunStatus::Cancelled, {}, "{}");
        throw;
    } catch (const std::exception &e) {
        try {
            finish(store::RunStatus::Failed, e.what(), "{}");
        } catch (const std::exception &) {
            // the original error matters more than a failure to record it
        }
        throw;
    }
    finish(store::RunStatus::Done, {}, timingsJson(outcome.result));
    return outcome;
}

} // namespace lieq::analysis
