#include "core/jobs/plan_job.h"

#include "core/alloc/layer_specs.h"
#include "core/alloc/plan_json.h"
#include "core/alloc/scores_file.h"
#include "core/jobs/plan_rules.h"
#include "core/jobs/run_history.h"
#include "core/analysis/diagnostics_correlation.h"
#include "core/io/checkpoint.h"
#include "core/store/experiment_store.h"
#include "core/util/error.h"

#include <cmath>
#include <cstdio>
#include <map>

namespace lieq::jobs {

namespace {

std::string planBits(double bits)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", bits);
    return buf;
}

struct StoredScores
{
    std::vector<double> scores; // one per layer
    std::string modelDir;       // the analysed model folder as stored
};

// A finished stored analysis run's per-layer `metric`, finite for every layer.
StoredScores storedScores(const JobContext &context, std::int64_t runId, const std::string &metric)
{
    const store::AnalysisRunDetail detail = loadAnalysisRun(context, runId);
    const std::string where = context.storeFile();
    if (detail.run.status != store::RunStatus::Done)
        throw Error(where, "analysis run " + std::to_string(runId) + " is " +
                                   store::runStatusName(detail.run.status) +
                                   ", not done: its scores are incomplete");
    std::map<int, double> values;
    for (const store::LayerMetric &m : detail.layers)
        if (m.metric == metric)
            values[m.layer] = m.value;
    StoredScores out;
    out.modelDir = detail.model.path;
    for (std::int64_t l = 0; l < detail.model.layerCount; ++l) {
        const auto it = values.find(static_cast<int>(l));
        if (it == values.end() || !std::isfinite(it->second))
            throw Error(where, "analysis run " + std::to_string(runId) + " has no finite " +
                                       metric + " for layer " + std::to_string(l) +
                                       (metric == "dppl" ? " (run it with --metrics dppl)"
                                                         : " (run it with --metrics compact,energy)"));
        out.scores.push_back(it->second);
    }
    if (out.scores.empty())
        throw Error(where, "analysis run " + std::to_string(runId) + " covers no layers");
    return out;
}

void requireFinite(const ScoredLayers &s, std::int64_t modelLayers)
{
    bool finite = modelLayers < 0 || static_cast<std::int64_t>(s.layers.size()) == modelLayers;
    for (const alloc::LayerSpec &l : s.layers)
        finite = finite && std::isfinite(l.score);
    if (!finite)
        throw Error("the scores (" + s.source + ") do not give a finite " + s.metric + " for each of " +
                    (modelLayers < 0 ? std::string("the") : "the model's " + std::to_string(modelLayers)) +
                    " layers");
}

ScoredLayers fromAnalysis(const ScoreSource &source, const std::string &modelDir,
                          const JobContext &context)
{
    AnalysisRequest req = source.analysis;
    req.modelDir = modelDir;
    if (source.metric == "dppl")
        req.settings.dppl = true;
    const AnalysisResult r = runAnalysis(req, context);
    const std::vector<double> scores = analysis::layerMetric(r.diagnostics, source.metric);
    ScoredLayers out = modelLayers(modelDir);
    for (std::size_t l = 0; l < out.layers.size() && l < scores.size(); ++l)
        out.layers[l].score = scores[l];
    if (scores.size() != out.layers.size())
        throw Error(modelDir, "the analysis scored " + std::to_string(scores.size()) + " of " +
                                  std::to_string(out.layers.size()) + " layers");
    if (r.runId > 0)
        out.analysisRunId = r.runId;
    out.analysisReused = r.reused;
    out.source = (r.runId > 0 ? "analysis run " + std::to_string(r.runId) : std::string("analysis")) +
                 (r.reused ? " (reused)" : "");
    return out;
}

} // namespace

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

ScoredLayers modelLayers(const std::string &modelDir, const std::vector<double> &scores)
{
    const Checkpoint ckpt(modelDir);
    const ModelConfig &c = ckpt.config();
    ScoredLayers out;
    out.layers = alloc::decoderLayerSpecs(c, scores);
    out.otherParams = std::max<std::int64_t>(
        0, static_cast<std::int64_t>(ckpt.parameterCount()) - c.decoderLinearParams());
    out.source = modelDir;
    return out;
}

ScoredLayers scoreLayers(const ScoreSource &source, const std::string &modelDir,
                         const JobContext &context)
{
    ScoredLayers out;
    const std::string metric = canonicalScoreMetric(source.metric);
    std::int64_t layersOfModel = -1;
    if (source.analysisRun) {
        const StoredScores stored = storedScores(context, *source.analysisRun, metric);
        const std::string dir = modelDir.empty() ? stored.modelDir : modelDir;
        const ModelConfig cfg = ModelConfig::fromFile(dir + "/config.json");
        if (cfg.numLayers != static_cast<std::int64_t>(stored.scores.size()))
            throw Error(dir, "the model has " + std::to_string(cfg.numLayers) +
                                 " layers but analysis run " + std::to_string(*source.analysisRun) +
                                 " scored " + std::to_string(stored.scores.size()));
        out = modelLayers(dir, stored.scores);
        out.analysisRunId = source.analysisRun;
        out.source = "analysis run " + std::to_string(*source.analysisRun);
        layersOfModel = cfg.numLayers;
    } else if (!source.tableFile.empty()) {
        const alloc::ScoresInput in = alloc::loadScores(source.tableFile, metric);
        out.layers = in.layers;
        out.otherParams = in.otherParams;
        out.source = source.tableFile;
        if (!modelDir.empty()) {
            // The model's shapes make sizes exact and check the layer count.
            const ScoredLayers shapes = modelLayers(modelDir);
            layersOfModel = static_cast<std::int64_t>(shapes.layers.size());
            if (out.otherParams == 0)
                out.otherParams = shapes.otherParams;
            for (alloc::LayerSpec &l : out.layers)
                if (l.linears.empty() && l.index >= 0 && l.index < layersOfModel)
                    l.linears = shapes.layers[static_cast<std::size_t>(l.index)].linears;
        }
    } else {
        if (modelDir.empty())
            throw Error("scores: no model folder to analyse (give a stored run or a layer table)");
        out = fromAnalysis(source, modelDir, context);
        layersOfModel = static_cast<std::int64_t>(out.layers.size());
    }
    out.metric = metric;
    out.source += " (" + metric + ")";
    requireFinite(out, layersOfModel);
    return out;
}

PlanResult choosePlan(const PlanRequest &request, const std::string &modelDir,
                      const JobContext &context)
{
    PlanResult out;
    switch (request.kind) {
    case PlanRequest::Kind::File:
        out.plan = alloc::loadPlan(request.file);
        out.name = request.file;
        break;
    case PlanRequest::Kind::Uniform:
        out.plan = alloc::uniformPlan(modelLayers(modelDir).layers, request.uniformBits);
        out.name = "uniform " + std::to_string(request.uniformBits);
        break;
    case PlanRequest::Kind::Given:
        out.plan = request.plan;
        out.name = "workbench " + request.plan.method + " " + planBits(request.plan.nominalBits());
        out.sourceRunId = request.sourceRunId;
        break;
    case PlanRequest::Kind::Budget: {
        if (!request.rule.empty()) {
            alloc::AllocationRequest r;
            r.layers = modelLayers(modelDir).layers;
            r.budget = request.budget;
            r.bitSet = {2, 4};
            out.plan = rulePlan({request.rule, request.ruleSeed, request.measureRun}, r, context);
            out.name = "rule " + out.plan.method;
            out.sourceRunId = request.rule == "measured" ? request.measureRun : std::nullopt;
            break;
        }
        ScoredLayers scores = scoreLayers(request.scores, modelDir, context);
        out.plan = alloc::paperPlan(scores.layers, request.budget, request.scores.invert);
        out.name = "lieq " + scores.metric + (request.scores.invert ? " inverted" : "");
        out.sourceRunId = scores.analysisRunId;
        out.scores = std::move(scores);
        break;
    }
    }
    return out;
}

} // namespace lieq::jobs
