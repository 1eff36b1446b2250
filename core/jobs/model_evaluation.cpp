#include "core/jobs/model_evaluation.h"

#include "core/data/corpus.h"
#include "core/data/token_windows.h"
#include "core/eval/perplexity.h"
#include "core/jobs/job_store.h"
#include "core/jobs/kl_job.h"
#include "core/store/experiment_store.h"
#include "core/tasks/task_loaders.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <set>

namespace lieq::jobs {

namespace {

std::string tasksSettingsJson(const EvaluationSpec &spec)
{
    const ZeroShotOptions &zo = spec.zeroShot;
    nlohmann::json s;
    s["limit"] = zo.limit;
    if (zo.sampleSeed)
        s["seed"] = *zo.sampleSeed;
    s["add_bos"] = zo.scorer.addBos;
    s["batching"] = batchingName(zo.scorer.batching);
    s["data_dir"] = spec.taskDataDir;
    s["prompts"] = "lm-eval-harness";
    return s.dump();
}

std::string pplSettingsJson(const PerplexityFigures &p, std::int64_t maxWindows)
{
    return nlohmann::json{{"seqlen", p.seqlen}, {"max_windows", maxWindows}, {"tokens", p.tokens},
                          {"data", p.data}}
        .dump();
}

TokenWindows evaluationWindows(const Tokenizer &tokenizer, const EvaluationSpec &spec,
                               const JobContext &context)
{
    if (spec.seqlen < 2)
        throw Error(spec.pplData, "perplexity windows need at least 2 tokens, got " +
                                      std::to_string(spec.seqlen));
    context.report("tokenizing", 0, 1, spec.pplData);
    return textWindows(tokenizer, spec.pplData, spec.pplField, "\n\n", spec.seqlen, spec.maxWindows);
}

PerplexityFigures measurePerplexity(Model &model, const Tokenizer &tokenizer,
                                    const EvaluationSpec &spec, const JobContext &context)
{
    const TokenWindows windows = evaluationWindows(tokenizer, spec, context);
    const PerplexityResult p = evaluatePerplexity(model, windows, {}, context.progress);
    return {spec.pplData, p.ppl, p.windows, p.seqlen, p.tokens, p.seconds};
}

// lm-eval's --log_samples: one JSON line per scored item.
void writeSampleLog(const std::string &path, const std::vector<TaskResult> &results,
                    const std::vector<TaskData> &tasks)
{
    std::string out;
    for (std::size_t t = 0; t < results.size() && t < tasks.size(); ++t)
        for (const ItemScore &s : results[t].items) {
            const TaskItem &item = tasks[t].items[s.item];
            nlohmann::ordered_json choices = nlohmann::ordered_json::array();
            for (std::size_t c = 0; c < item.requests.size(); ++c)
                choices.push_back({{"context", item.requests[c].context},
                                   {"continuation", item.requests[c].continuation},
                                   {"loglikelihood", s.logprobs[c]},
                                   {"tokens", c < s.tokens.size() ? s.tokens[c] : 0},
                                   {"length", c < s.lengths.size() ? s.lengths[c] : 0}});
            nlohmann::ordered_json line{{"task", results[t].task},
                                        {"doc_id", s.item},
                                        {"id", item.id},
                                        {"prompt", item.requests.front().context},
                                        {"choices", choices},
                                        {"pred", s.predicted},
                                        {"gold", s.gold},
                                        {"acc", s.predicted == s.gold ? 1 : 0}};
            if (results[t].hasAccNorm) {
                line["pred_norm"] = s.predictedNorm;
                line["acc_norm"] = s.predictedNorm == s.gold ? 1 : 0;
            }
            out += line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
        }
    writeFileAtomic(path, out);
}

bool sameSetting(const std::string &json, const char *key, std::int64_t value)
{
    const nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
    return j.is_object() && j.contains(key) && j[key].is_number_integer() &&
           j[key].get<std::int64_t>() == value;
}

} // namespace

TokenWindows textWindows(const Tokenizer &tokenizer, const std::string &path, const std::string &field,
                         const std::string &separator, std::int64_t seqlen, std::int64_t maxWindows)
{
    const Corpus corpus = Corpus::fromFile(path, field);
    TokenWindows windows = TokenWindows::fromText(tokenizer, corpus.joined(separator), seqlen, maxWindows);
    if (windows.count == 0)
        throw Error(path, "too short for one window of " + std::to_string(seqlen) + " tokens");
    return windows;
}

std::string defaultTaskDataDir()
{
    const char *env = std::getenv("LIEQ_DATA_DIR");
    return env && *env ? std::string(env) : std::string("../shared/data");
}

std::vector<TaskDataStatus> taskDataStatus(const std::string &dataDir)
{
    std::vector<TaskDataStatus> out;
    for (const std::string &t : zeroShotTaskNames()) {
        TaskDataStatus s{t, {}};
        for (const std::string &f : taskDataFiles(t, dataDir))
            if (dataDir.empty() || !std::filesystem::exists(f))
                s.missing.push_back(f);
        out.push_back(std::move(s));
    }
    return out;
}

std::vector<TaskData> loadTasks(const EvaluationSpec &spec)
{
    std::vector<TaskData> out;
    for (const std::string &t : spec.tasks)
        out.push_back(loadTask(canonicalTaskName(t), spec.taskDataDir));
    return out;
}

EvalReport evaluateLoadedModel(Model &model, const Tokenizer &tokenizer, const std::string &modelDir,
                               const std::vector<TaskData> &tasks, const EvaluationSpec &spec,
                               const JobContext &context)
{
    EvalReport report;
    report.model = modelDir;
    report.settingsJson = tasksSettingsJson(spec);
    if (!spec.pplData.empty())
        report.ppl = measurePerplexity(model, tokenizer, spec, context);
    ZeroShotOptions zo = spec.zeroShot;
    zo.keepItems = zo.keepItems || !spec.logSamplesPath.empty();
    for (const TaskData &t : tasks)
        report.tasks.push_back(evaluateTask(model, tokenizer, t, zo, context.progress));
    if (!spec.logSamplesPath.empty())
        writeSampleLog(spec.logSamplesPath, report.tasks, tasks);
    return report;
}

KlStatistics measureKl(Model &model, const Tokenizer &tokenizer, const std::string &referenceDir,
                       const EvaluationSpec &spec, const JobContext &context)
{
    if (spec.pplData.empty())
        throw Error("KL divergence against " + referenceDir +
                    ": needs the perplexity text its windows come from (--ppl FILE)");
    return evaluateKl(model, referenceDir, evaluationWindows(tokenizer, spec, context), context);
}

std::string klReferenceDir(const EvaluationSpec &spec, const std::string &sourceModelDir)
{
    if (spec.klReference.empty())
        return {};
    return spec.klReference == "base" || spec.klReference == "fp16" ? sourceModelDir
                                                                     : spec.klReference;
}

void recordKlStatistics(store::ExperimentStore &db, const KlStatistics &stats,
                        const std::string &evaluatedDir, std::optional<std::int64_t> quantRunId,
                        const std::string &referenceDir, const EvaluationSpec &spec)
{
    recordKl(db, stats, evaluatedDir, quantRunId, referenceDir,
             {spec.pplData, spec.pplField, spec.seqlen, spec.maxWindows});
}

std::vector<store::EvalResult> evaluationRows(store::ExperimentStore &db, const EvalReport &report,
                                              const EvaluationSpec &spec, std::int64_t modelId,
                                              std::optional<std::int64_t> quantRunId)
{
    std::vector<store::EvalResult> rows;
    auto row = [&](const std::string &task, const char *metric, double value, double se,
                   std::int64_t n, std::int64_t datasetId, const std::string &settings) {
        rows.push_back({.id = 0, // not stored yet
                        .modelId = modelId,
                        .quantRunId = quantRunId,
                        .datasetId = datasetId,
                        .task = task,
                        .metric = metric,
                        .value = value,
                        .stderrValue = se,
                        .n = n,
                        .settingsJson = settings,
                        .createdAtMs = 0}); // stamped when stored
    };
    if (report.ppl) {
        const PerplexityFigures &p = *report.ppl;
        const std::int64_t dataset =
            recordDataset(db, p.data, Corpus::kindOf(p.data, spec.pplField));
        row(std::filesystem::path(p.data).stem().string(), "ppl", p.ppl, store::kNoValue,
            p.windows, dataset, pplSettingsJson(p, spec.maxWindows));
    }
    for (const TaskResult &t : report.tasks) {
        const std::int64_t dataset = recordDataset(db, taskDataPath(t.task, spec.taskDataDir), t.task);
        row(t.task, "acc", t.acc, t.accStderr, t.n, dataset, report.settingsJson);
        if (t.hasAccNorm)
            row(t.task, "acc_norm", t.accNorm, t.accNormStderr, t.n, dataset, report.settingsJson);
    }
    return rows;
}

std::optional<EvalBaseline> matchingStoredBaseline(store::ExperimentStore &db, std::int64_t modelId,
                                                   const EvaluationSpec &spec,
                                                   std::optional<std::int64_t> pplDataset)
{
    store::EvalFilter f;
    f.modelId = modelId;
    f.baselineOnly = true;
    if (!pplDataset && !spec.pplData.empty())
        pplDataset = recordDataset(db, spec.pplData, Corpus::kindOf(spec.pplData, spec.pplField));
    std::set<std::string> asked;
    for (const std::string &t : spec.tasks)
        asked.insert(canonicalTaskName(t));
    EvalBaseline b;
    b.source = "store " + db.path() + ": unquantized model";
    for (const store::EvalResult &r : db.evalResults(f)) { // oldest first: newer rows win
        if (r.metric == "ppl" && pplDataset && r.datasetId == pplDataset &&
            sameSetting(r.settingsJson, "seqlen", spec.seqlen) &&
            sameSetting(r.settingsJson, "max_windows", spec.maxWindows))
            b.ppl = r.value;
        if (asked.count(r.task) && sameSetting(r.settingsJson, "limit", spec.zeroShot.limit)) {
            if (r.metric == "acc")
                b.acc[r.task] = r.value;
            else if (r.metric == "acc_norm")
                b.accNorm[r.task] = r.value;
        }
    }
    if (!b.ppl && b.acc.empty())
        return std::nullopt;
    return b;
}

} // namespace lieq::jobs
