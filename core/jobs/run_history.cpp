#include "core/jobs/run_history.h"

#include "core/alloc/plan_json.h"
#include "core/alloc/size_estimate.h"
#include "core/jobs/model_evaluation.h"
#include "core/store/experiment_store.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>

namespace lieq::jobs {

namespace {

template <typename T>
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
    const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    return j.is_discarded() ? nlohmann::json::object() : j;
}

store::ExperimentStore openForReading(const JobContext &context)
{
    return store::ExperimentStore(context.storeFile(), store::ExperimentStore::Access::ReadOnly);
}

// The request a stored run was made with: settings, calibration and plan.
void readRequest(store::ExperimentStore &s, const store::QuantRunDetail &d, StoredQuantRun &out)
{
    QuantizeRequest &q = out.request;
    if (const auto m = s.model(d.run.modelId))
        out.modelDir = m->path;
    q.modelDir = out.modelDir;
    const std::string where = s.path() + ": quant run " + std::to_string(d.run.id);
    try {
        q.settings = PipelineSettings::fromJson(d.run.settingsJson, where);
    } catch (const Error &) {
        q.settings.method = quantMethodFromName(d.run.method); // settings of another version
    }
    const nlohmann::json calib = parseOr(d.run.settingsJson).value("calibration", nlohmann::json());
    q.calibration.path = field<std::string>(calib, "path", {});
    q.calibration.field = field<std::string>(calib, "field", {});
    q.calibration.samples = field<std::int64_t>(calib, "samples", 0);
    q.calibration.seqlen = field<std::int64_t>(calib, "seqlen", 0);
    q.calibration.seed = field<std::uint64_t>(calib, "seed", 0);
    q.plan.kind = PlanRequest::Kind::Given;
    q.plan.sourceRunId = d.plan.sourceRunId;
    try {
        q.plan.plan = alloc::planFromJson(d.plan.settingsJson, s.path() + ": plan " +
                                                                   std::to_string(d.plan.id));
    } catch (const Error &) {
        q.plan.plan = {}; // plans stored by other tools: bits come from bitsJson
    }
    q.planName = d.plan.name;
    q.outDir = d.run.outputPath;
}

// Evaluation settings and results as the rows hold them (oldest first: newer rows win).
void readEvaluation(store::ExperimentStore &s, StoredQuantRun &out)
{
    EvaluationSpec &spec = out.request.evaluation;
    EvalReport &report = out.result.evaluation.report;
    std::map<std::string, TaskResult> tasks;
    for (const store::EvalResult &e : out.evals) {
        const nlohmann::json es = parseOr(e.settingsJson);
        if (e.metric == "ppl") {
            PerplexityFigures p;
            p.ppl = e.value;
            p.windows = e.n;
            p.seqlen = field<std::int64_t>(es, "seqlen", 0);
            p.tokens = field<std::int64_t>(es, "tokens", 0);
            if (e.datasetId)
                if (const auto ds = s.dataset(*e.datasetId))
                    p.data = ds->path;
            spec.pplData = p.data;
            spec.seqlen = p.seqlen;
            spec.maxWindows = field<std::int64_t>(es, "max_windows", spec.maxWindows);
            report.ppl = p;
        } else if (e.metric == "acc" || e.metric == "acc_norm") {
            TaskResult &t = tasks[e.task];
            t.task = e.task;
            t.n = e.n;
            t.hasAccNorm = taskHasAccNorm(e.task);
            (e.metric == "acc" ? t.acc : t.accNorm) = e.value;
            (e.metric == "acc" ? t.accStderr : t.accNormStderr) = e.stderrValue;
            spec.zeroShot.limit = field<std::int64_t>(es, "limit", spec.zeroShot.limit);
            spec.taskDataDir = field<std::string>(es, "data_dir", spec.taskDataDir);
        }
    }
    for (auto &[name, t] : tasks) {
        spec.tasks.push_back(name);
        report.tasks.push_back(t);
    }
    report.model = out.result.outputDir.empty() ? out.modelDir : out.result.outputDir;
}

void readSizes(store::ExperimentStore &s, const store::QuantRunDetail &d, StoredQuantRun &out)
{
    QuantizeResult &r = out.result;
    const alloc::BitPlan &plan = out.request.plan.plan;
    r.outputDir = d.run.outputPath;
    r.outputBytes = d.run.outputBytes;
    r.effectiveBits = std::isfinite(d.plan.nominalBits) ? d.plan.nominalBits : plan.nominalBits();
    if (!plan.units.empty()) {
        alloc::GptqOptions g;
        g.groupSize = out.request.settings.groupSize;
        g.symmetric = out.request.settings.symmetric;
        std::int64_t other = 0;
        if (const auto m = s.model(d.run.modelId))
            other = std::max<std::int64_t>(0, m->paramCount - plan.totalParams());
        const alloc::SizeEstimate est = alloc::estimateGptq(plan, g, other);
        r.effectiveBits = est.effectiveBits;
        r.sizeBytes = static_cast<std::int64_t>(est.totalBytes);
        r.sizeEstimated = true;
    }
    if (d.run.outputBytes > 0) {
        r.sizeBytes = d.run.outputBytes;
        r.sizeEstimated = false;
    }
}

} // namespace

store::RunPage listRuns(const JobContext &context, const store::RunFilter &filter)
{
    const std::string path = context.storeFile();
    if (!std::filesystem::exists(path))
        return {}; // listing never creates a store
    return store::ExperimentStore(path).listRuns(filter);
}

store::AnalysisRunDetail loadAnalysisRun(const JobContext &context, std::int64_t runId)
{
    store::ExperimentStore s = openForReading(context);
    auto d = s.loadAnalysisRun(runId);
    if (!d)
        throw Error(s.path(), "no analysis run " + std::to_string(runId));
    return *d;
}

StoredQuantRun loadQuantRun(const JobContext &context, std::int64_t quantRunId)
{
    store::ExperimentStore s = openForReading(context);
    auto d = s.loadQuantRun(quantRunId);
    if (!d)
        throw Error(s.path(), "no quantization run q" + std::to_string(quantRunId));
    StoredQuantRun out;
    out.detail = *d;
    store::EvalFilter f;
    f.quantRunId = quantRunId;
    out.evals = s.evalResults(f);
    readRequest(s, *d, out);
    QuantizeResult &r = out.result;
    r.runId = d->run.id;
    r.planId = d->plan.id;
    r.modelId = d->run.modelId;
    r.storePath = s.path();
    r.totalSeconds = std::isfinite(d->run.wallSeconds) ? d->run.wallSeconds : 0;
    r.plan.plan = out.request.plan.plan;
    r.plan.name = d->plan.name;
    r.plan.sourceRunId = d->plan.sourceRunId;
    r.pipeline.nominalBits =
        std::isfinite(d->plan.nominalBits) ? d->plan.nominalBits : r.plan.plan.nominalBits();
    readSizes(s, *d, out);
    if (const nlohmann::json bits = parseOr(d->plan.bitsJson); bits.is_array())
        out.layerBits = field<std::vector<int>>(nlohmann::json{{"b", bits}}, "b", {});
    if (out.layerBits.empty() && !r.plan.plan.units.empty())
        out.layerBits = r.plan.plan.layerBits();
    readEvaluation(s, out);
    r.evaluation.modelId = d->run.modelId;
    r.evaluation.quantRunId = d->run.id;
    r.evaluation.quantized = true;
    std::optional<std::int64_t> pplDataset;
    for (const store::EvalResult &e : out.evals)
        if (e.metric == "ppl")
            pplDataset = e.datasetId;
    if (!out.request.evaluation.empty())
        r.evaluation.storedBaseline =
            matchingStoredBaseline(s, d->run.modelId, out.request.evaluation, pplDataset);
    return out;
}

bool deleteRun(const JobContext &context, store::RunKind kind, std::int64_t runId)
{
    store::ExperimentStore s(context.store.path);
    return kind == store::RunKind::Analysis ? s.deleteAnalysisRun(runId) : s.deleteQuantRun(runId);
}

} // namespace lieq::jobs
