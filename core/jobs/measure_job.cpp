#include "core/jobs/measure_job.h"

#include "core/alloc/baseline_plans.h"
#include "core/data/token_windows.h"
#include "core/jobs/plan_job.h"
#include "core/jobs/job_store.h"
#include "core/jobs/loaded_model.h"
#include "core/model/model.h"
#include "core/store/experiment_store.h"
#include "core/store/fingerprint.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <type_traits>

namespace lieq::jobs {

namespace {

using sensitivity::LayerSensitivity;
using sensitivity::MeasureResult;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<store::LayerMetric> rowsOf(const std::string &stage, const LayerSensitivity &l)
{
    std::vector<store::LayerMetric> rows;
    auto add = [&](const char *metric, double v) {
        if (std::isfinite(v))
            rows.push_back({l.layer, metric, v});
    };
    if (stage == "isolated") {
        add("kl_low", l.klLow);
        add("top1_low", l.top1Low);
    } else {
        add("kl_raised", l.klRaised);
        add("top1_raised", l.top1Raised);
        add("kl_gain", l.gain);
    }
    return rows;
}

// The measure pass's counts and times as timings_json stores them: `visit(key, field)` for
// each, so that writing and reading back go through one list. Result: MeasureResult, const or not.
template <typename Result, typename Visit>
void forEachTiming(Result &r, Visit visit)
{
    visit("total_s", r.cost.seconds);
    visit("forward_s", r.cost.forwardSeconds);
    visit("forward_multiple", r.cost.forwardMultiple);
    visit("layer_quantizations", r.cost.layerQuantizations);
    visit("probe_layer_forwards", r.cost.probeLayerForwards);
    visit("calibration_layer_forwards", r.cost.calibrationLayerForwards);
    visit("head_evaluations", r.cost.headEvaluations);
    visit("reference_cached", r.cost.referenceCached);
    visit("reference_bytes", r.cost.referenceBytes);
    visit("cached_input_bytes", r.cost.cachedInputBytes);
    visit("calibration_windows", r.calibrationWindows);
    visit("probe_windows", r.probeWindows);
    visit("probe_seqlen", r.seqlen);
}

std::string timingsJson(const MeasureResult &r)
{
    nlohmann::json j = nlohmann::json::object();
    forEachTiming(r, [&j](const char *key, const auto &v) { j[key] = v; });
    if (std::isfinite(r.klAllLow)) {
        j["kl_all_low"] = r.klAllLow;
        j["top1_all_low"] = r.top1AllLow;
    }
    return j.dump();
}

template <typename T>
T value(const nlohmann::json &j, const char *key, T fallback)
{
    return j.contains(key) && !j[key].is_null() ? j[key].get<T>() : fallback;
}

MeasureJobResult fromStored(const store::AnalysisRunDetail &d, const std::string &storePath)
{
    if (!isMeasureSettings(d.run.settingsJson))
        throw Error(storePath, "analysis run " + std::to_string(d.run.id) +
                                   " is not a measure run (lieq measure)");
    MeasureJobResult out;
    out.runId = d.run.id;
    out.reused = true;
    out.storePath = storePath;
    out.modelDir = d.model.path;
    MeasureResult &r = out.measure;
    const nlohmann::json s = nlohmann::json::parse(d.run.settingsJson);
    const nlohmann::json m = s.value("measure", nlohmann::json::object());
    r.settings.lowBits = value<int>(m, "low_bits", 2);
    r.settings.highBits = value<int>(m, "high_bits", 4);
    r.settings.isolated = value<bool>(m, "isolated", true);
    r.settings.gains = value<bool>(m, "gains", true);
    if (m.contains("backend")) {
        const nlohmann::json &b = m["backend"];
        r.settings.backend.method = quantMethodFromName(value<std::string>(b, "method", "gptq"));
        r.settings.backend.groupSize = value<int>(b, "group_size", 128);
        r.settings.backend.symmetric = value<bool>(b, "sym", false);
        r.settings.backend.actOrder = value<bool>(b, "act_order", false);
    }
    r.device = d.run.backend;
    const nlohmann::json t = nlohmann::json::parse(d.run.timingsJson);
    r.klAllLow = value<double>(t, "kl_all_low", kNaN);
    r.top1AllLow = value<double>(t, "top1_all_low", kNaN);
    forEachTiming(r, [&t](const char *key, auto &v) { v = value(t, key, std::decay_t<decltype(v)>{}); });
    r.layers.resize(std::size_t(std::max<std::int64_t>(0, d.model.layerCount)));
    for (std::size_t l = 0; l < r.layers.size(); ++l)
        r.layers[l].layer = int(l);
    for (const store::LayerMetric &x : d.layers) {
        if (x.layer < 0 || x.layer >= int(r.layers.size()))
            continue;
        LayerSensitivity &l = r.layers[std::size_t(x.layer)];
        if (x.metric == "kl_low") l.klLow = x.value;
        else if (x.metric == "top1_low") l.top1Low = x.value;
        else if (x.metric == "kl_raised") l.klRaised = x.value;
        else if (x.metric == "top1_raised") l.top1Raised = x.value;
        else if (x.metric == "kl_gain") l.gain = x.value;
    }
    return out;
}

} // namespace

bool isMeasureSettings(const std::string &settingsJson)
{
    try {
        const nlohmann::json j = nlohmann::json::parse(settingsJson);
        return j.is_object() && j.value("kind", std::string()) == "measure";
    } catch (const nlohmann::json::exception &) {
        return false;
    }
}

std::string measureSettingsJson(const MeasureRequest &r)
{
    const nlohmann::json j{
        {"kind", "measure"},
        {"samples", r.calibration.samples},
        {"seqlen", r.calibration.seqlen},
        {"calibration_seed", r.calibration.seed},
        {"field", r.calibration.field},
        {"probe_windows", r.probeWindows},
        {"probe_seqlen", r.probeSeqlen > 0 ? r.probeSeqlen : r.calibration.seqlen},
        {"measure", nlohmann::json::parse(r.settings.json())}};
    return j.dump();
}

MeasureJobResult loadMeasure(const JobContext &context, std::int64_t runId)
{
    store::ExperimentStore db(context.store.path, store::ExperimentStore::Access::ReadOnly);
    const auto detail = db.loadAnalysisRun(runId);
    if (!detail)
        throw Error(db.path(), "no analysis run " + std::to_string(runId));
    if (detail->run.status != store::RunStatus::Done)
        throw Error(db.path(), "measure run " + std::to_string(runId) + " did not finish (" +
                                   store::runStatusName(detail->run.status) + ")");
    return fromStored(*detail, db.path());
}

std::optional<std::int64_t> latestMeasureRun(const JobContext &context, const std::string &modelDir)
{
    store::ExperimentStore db(context.store.path, store::ExperimentStore::Access::ReadOnly);
    const auto model = db.modelByFingerprint(store::describeModel(modelDir).fingerprint);
    if (!model)
        return std::nullopt;
    store::RunFilter f;
    f.modelId = model->id;
    f.kind = store::RunKind::Analysis;
    f.status = store::RunStatus::Done;
    f.limit = 0;
    for (const store::RunSummary &s : db.listRuns(f).runs) // newest first
        if (const auto run = db.analysisRun(s.id); run && isMeasureSettings(run->settingsJson))
            return s.id;
    return std::nullopt;
}

std::vector<std::pair<std::string, std::vector<double>>>
predictorSeries(const MeasureResult &measure, const analysis::DiagnosticsResult *diagnostics,
                const std::vector<alloc::LayerSpec> &layers,
                const std::vector<std::uint64_t> &randomSeeds)
{
    std::vector<std::pair<std::string, std::vector<double>>> out;
    auto complete = [&](const std::vector<double> &v) {
        return v.size() == layers.size() &&
               std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
    };
    if (diagnostics) {
        std::vector<double> dppl, dr, dE;
        for (const analysis::LayerDiagnostics &l : diagnostics->layers) {
            dppl.push_back(l.dppl);
            dr.push_back(l.dr);
            dE.push_back(l.dE);
        }
        for (auto &[name, v] : {std::pair{"dppl", dppl}, std::pair{"dr", dr}, std::pair{"dE", dE}})
            if (complete(v))
                out.push_back({name, v});
    }
    if (complete(measure.klLow()))
        out.push_back({"sensitivity", measure.klLow()});
    for (alloc::BaselineRule rule :
         {alloc::BaselineRule::LlamaCpp, alloc::BaselineRule::First, alloc::BaselineRule::Last})
        out.push_back({alloc::baselineRuleName(rule), alloc::baselinePriorities(rule, layers)});
    for (std::uint64_t seed : randomSeeds)
        out.push_back({"random-" + std::to_string(seed),
                       alloc::baselinePriorities(alloc::BaselineRule::Random, layers, seed)});
    return out;
}

sensitivity::PredictorReport predictorReport(const MeasureResult &measure,
                                             const analysis::DiagnosticsResult *diagnostics,
                                             const std::string &modelDir, double budget,
                                             const std::vector<std::uint64_t> &randomSeeds)
{
    const std::vector<double> gains = measure.gains();
    if (gains.empty() ||
        !std::all_of(gains.begin(), gains.end(), [](double g) { return std::isfinite(g); }))
        throw Error("predictor comparison: the measure run has no gains (run it with gains)");
    alloc::AllocationRequest r;
    r.layers = modelLayers(modelDir).layers;
    if (r.layers.size() != gains.size())
        throw Error(modelDir, "the model has " + std::to_string(r.layers.size()) +
                                  " layers but the measure run has " + std::to_string(gains.size()));
    r.bitSet = {measure.settings.lowBits, measure.settings.highBits};
    r.budget = budget;
    r.method = alloc::AllocMethod::Paper;
    return sensitivity::scorePredictors(r, gains,
                                        predictorSeries(measure, diagnostics, r.layers, randomSeeds));
}

MeasureJobResult runMeasure(const MeasureRequest &req, const JobContext &context,
                            const sensitivity::MeasureLayerFn &onLayer)
{
    const auto start = std::chrono::steady_clock::now();
    context.applyThreads();
    if (req.probeWindows < 1)
        throw Error("measure pass: at least one probe window is needed");
    const std::string settings = measureSettingsJson(req);
    MeasureJobResult out;
    out.modelDir = req.modelDir;
    CalibratedRunStore records = openCalibratedRun(context, req.modelDir, req.calibration, settings, req.reuse);
    if (records.reusable) {
        out = fromStored(*records.reusable, records.path);
        out.modelDir = req.modelDir;
        if (onLayer)
            for (const LayerSensitivity &l : out.measure.layers) {
                if (std::isfinite(l.klLow))
                    onLayer("isolated", l);
                if (std::isfinite(l.gain))
                    onLayer("gain", l);
            }
        return out;
    }
    out.storePath = records.path;
    store::ExperimentStore *db = records.db.get();

    std::unique_ptr<Model> model = loadModel(req.modelDir, context);
    out.runId = records.beginRun(model->deviceName() + "/" + quantMethodName(req.settings.backend.method),
                                 settings, static_cast<std::int64_t>(req.calibration.seed));
    const sensitivity::MeasureLayerFn storeAndForward = [&](const std::string &stage,
                                                           const LayerSensitivity &l) {
        if (db)
            db->appendLayerMetrics(out.runId, rowsOf(stage, l));
        if (onLayer)
            onLayer(stage, l);
    };
    auto work = [&] {
        const Tokenizer tokenizer = Tokenizer::fromModelDir(req.modelDir);
        const CalibrationSet calibration = loadCalibration(tokenizer, req.calibration, context);
        CalibrationSpec probeSpec = req.calibration;
        probeSpec.samples = req.probeWindows;
        probeSpec.seqlen = req.probeSeqlen > 0 ? req.probeSeqlen : req.calibration.seqlen;
        probeSpec.seed = req.calibration.seed + 1;
        const CalibrationSet probe = sampleCalibration(tokenizer, probeSpec);
        out.measure = sensitivity::runMeasurePass(
            *model, TokenWindows::fromTokens(calibration.ids, calibration.seqlen),
            TokenWindows::fromTokens(probe.ids, probe.seqlen), req.settings, storeAndForward,
            context.progress);
    };
    runRecordedAnalysis(db, out.runId, start, work, [&] { return timingsJson(out.measure); });
    return out;
}

} // namespace lieq::jobs
