#include "ui/runevaluation.h"

#include "core/store/experiment_store.h"
#include "core/store/fingerprint.h"
#include "core/tasks/task_loaders.h"
#include "core/tasks/zero_shot.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace lieq::ui {

std::vector<lieq::TaskData> loadRunTasks(const RunRequest &request)
{
    std::vector<lieq::TaskData> out;
    if (request.tasks.empty())
        return out;
    if (request.taskDataDir.isEmpty())
        throw lieq::Error("zero-shot tasks need the standard data folder (Settings > Standard data sets)");
    for (const std::string &t : request.tasks)
        out.push_back(lieq::loadTask(lieq::canonicalTaskName(t), request.taskDataDir.toStdString()));
    return out;
}

std::string pplSettingsJson(std::int64_t seqlen, std::int64_t maxWindows, std::int64_t tokens)
{
    return nlohmann::json{{"seqlen", seqlen}, {"max_windows", maxWindows}, {"tokens", tokens}}.dump();
}

std::string taskSettingsJson(std::int64_t limit) { return nlohmann::json{{"limit", limit}}.dump(); }

std::vector<lieq::store::EvalResult> scoreRunTasks(lieq::Model &model, const lieq::Tokenizer &tokenizer,
                                                   const std::vector<lieq::TaskData> &tasks,
                                                   const RunRequest &request, RunResult &result,
                                                   lieq::store::ExperimentStore *store, std::int64_t modelId,
                                                   std::optional<std::int64_t> quantRunId,
                                                   const lieq::ProgressFn &progress)
{
    std::vector<lieq::store::EvalResult> rows;
    if (tasks.empty())
        return rows;
    lieq::ZeroShotOptions zo;
    zo.limit = request.taskLimit > 0 ? request.taskLimit : -1;
    result.taskItems = 0;
    for (const lieq::TaskData &t : tasks) {
        const lieq::TaskResult r = lieq::evaluateTask(model, tokenizer, t, zo, progress);
        result.taskAccuracy[r.task] = r.acc;
        result.taskAccuracyNorm[r.task] = r.accNorm;
        result.taskItems = result.taskItems == 0 ? int(r.n) : std::min(result.taskItems, int(r.n));
        if (!store)
            continue;
        const std::int64_t datasetId = store->upsertDataset(lieq::store::describeDataset(
            lieq::taskDataPath(r.task, request.taskDataDir.toStdString()), r.task));
        for (const bool norm : {false, true}) {
            lieq::store::EvalResult e;
            e.modelId = modelId;
            e.quantRunId = quantRunId;
            e.datasetId = datasetId;
            e.task = r.task;
            e.metric = norm ? "acc_norm" : "acc";
            e.value = norm ? r.accNorm : r.acc;
            e.stderrValue = norm ? r.accNormStderr : r.accStderr;
            e.n = r.n;
            e.settingsJson = taskSettingsJson(zo.limit);
            rows.push_back(e);
        }
    }
    return rows;
}

namespace {
bool sameSetting(const std::string &json, const char *key, std::int64_t value)
{
    try {
        const auto j = nlohmann::json::parse(json);
        return j.contains(key) && j[key].is_number_integer() && j[key].get<std::int64_t>() == value;
    } catch (const nlohmann::json::exception &) {
        return false; // rows written by other tools: not comparable
    }
}
} // namespace

void attachStoredBaseline(lieq::store::ExperimentStore &store, std::int64_t modelId,
                          std::int64_t pplDatasetId, const RunRequest &request, RunResult &result)
{
    lieq::store::EvalFilter f;
    f.modelId = modelId;
    f.baselineOnly = true;
    const std::vector<lieq::store::EvalResult> rows = store.evalResults(f); // oldest first
    const std::int64_t limit = request.taskLimit > 0 ? request.taskLimit : -1;
    for (const auto &r : rows) {
        if (r.metric == "ppl" && r.datasetId && *r.datasetId == pplDatasetId &&
            sameSetting(r.settingsJson, "seqlen", request.seqlen) &&
            sameSetting(r.settingsJson, "max_windows", request.maxEvalWindows))
            result.baselinePpl = r.value; // newer rows overwrite older ones
        if (r.metric == "acc" && sameSetting(r.settingsJson, "limit", limit) &&
            std::find(request.tasks.begin(), request.tasks.end(), r.task) != request.tasks.end())
            result.baselineAccuracy[r.task] = r.value;
    }
}

} // namespace lieq::ui
