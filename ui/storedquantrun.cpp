#include "ui/storedquantrun.h"

#include "core/alloc/plan_json.h"
#include "core/alloc/size_estimate.h"
#include "core/store/experiment_store.h"
#include "core/util/error.h"
#include "ui/runevaluation.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace lieq::ui {

namespace {
template<typename T>
T field(const nlohmann::json &j, const char *key, T fallback)
{
    if (!j.is_object() || !j.contains(key) || j[key].is_null())
        return fallback;
    try {
        return j[key].get<T>();
    } catch (const nlohmann::json::exception &) {
        return fallback; // a row written by another version: show what can be shown
    }
}

nlohmann::json parseOr(const std::string &text)
{
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception &) {
        return nlohmann::json::object();
    }
}
} // namespace

StoredQuantRun StoredQuantRun::load(store::ExperimentStore &s, std::int64_t id)
{
    StoredQuantRun out;
    auto d = s.loadQuantRun(id);
    if (!d)
        throw lieq::Error(s.path(), "quantization run " + std::to_string(id) + " no longer exists");
    out.detail = *d;
    store::EvalFilter f;
    f.quantRunId = id;
    out.evals = s.evalResults(f);

    const store::QuantRun &run = d->run;
    RunRequest &q = out.request;
    q.kind = RunRequest::Kind::Quantize;
    q.backend = run.method;
    if (const auto m = s.model(run.modelId))
        q.modelPath = QString::fromStdString(m->path);
    const nlohmann::json settings = parseOr(run.settingsJson);
    q.groupSize = field<int>(settings, "group_size", 128);
    q.symmetric = field<bool>(settings, "sym", false);
    q.actOrder = field<bool>(settings, "act_order", false);
    const nlohmann::json calib = settings.contains("calibration") ? settings["calibration"] : nlohmann::json();
    q.calibrationSamples = field<int>(calib, "samples", 0);
    q.seqlen = field<int>(calib, "seqlen", 0);
    q.calibrationData = QString::fromStdString(field<std::string>(calib, "path", {}));
    q.storePath = QString::fromStdString(s.path());
    try {
        q.plan = alloc::planFromJson(d->plan.settingsJson, s.path() + ": plan " + std::to_string(d->plan.id));
    } catch (const lieq::Error &) {
        q.plan = {}; // plans stored by other tools: bits come from bitsJson below
    }

    RunResult &r = out.result;
    r.storeRunId = run.id;
    r.storeModelId = run.modelId;
    r.seconds = std::isfinite(run.wallSeconds) ? run.wallSeconds : 0;
    r.nominalBits = std::isfinite(d->plan.nominalBits) ? d->plan.nominalBits : q.plan.nominalBits();
    if (const nlohmann::json bits = parseOr(d->plan.bitsJson); bits.is_array()) {
        try {
            r.layerBits = bits.get<std::vector<int>>();
        } catch (const nlohmann::json::exception &) {
            r.layerBits.clear(); // a richer per-projection object: fall back to the plan
        }
    }
    if (r.layerBits.empty() && !q.plan.units.empty())
        r.layerBits = q.plan.layerBits();
    r.effectiveBits = r.nominalBits;
    if (!q.plan.units.empty()) {
        alloc::GptqOptions g;
        g.groupSize = q.groupSize;
        g.symmetric = q.symmetric;
        std::int64_t other = 0;
        if (const auto m = s.model(run.modelId))
            other = std::max<std::int64_t>(0, m->paramCount - q.plan.totalParams());
        const alloc::SizeEstimate est = alloc::estimateGptq(q.plan, g, other);
        r.effectiveBits = est.effectiveBits;
        if (run.outputBytes <= 0) {
            r.sizeBytes = std::int64_t(est.totalBytes);
            r.sizeEstimated = true;
        }
    }
    if (run.outputBytes > 0) {
        r.sizeBytes = run.outputBytes;
        r.outputDir = QString::fromStdString(run.outputPath);
    }
    std::optional<std::int64_t> pplDataset;
    for (const store::EvalResult &e : out.evals) { // oldest first: newer rows win
        if (e.metric == "ppl") {
            r.ppl = e.value;
            pplDataset = e.datasetId;
            const nlohmann::json es = parseOr(e.settingsJson);
            q.seqlen = field<int>(es, "seqlen", q.seqlen);
            q.maxEvalWindows = field<int>(es, "max_windows", q.maxEvalWindows);
            if (e.datasetId)
                if (const auto ds = s.dataset(*e.datasetId))
                    q.evaluationData = QString::fromStdString(ds->path);
        } else if (e.metric == "acc" || e.metric == "acc_norm") {
            (e.metric == "acc" ? r.taskAccuracy : r.taskAccuracyNorm)[e.task] = e.value;
            r.taskItems = r.taskItems == 0 ? int(e.n) : std::min(r.taskItems, int(e.n));
            q.taskLimit = field<int>(parseOr(e.settingsJson), "limit", q.taskLimit);
            if (std::find(q.tasks.begin(), q.tasks.end(), e.task) == q.tasks.end())
                q.tasks.push_back(e.task);
        }
    }
    if (pplDataset)
        attachStoredBaseline(s, run.modelId, *pplDataset, q, r);
    return out;
}

} // namespace lieq::ui
