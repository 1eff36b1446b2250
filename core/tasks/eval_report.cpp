#include "core/tasks/eval_report.h"

#include "core/store/experiment_store.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>

namespace lieq {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// JSON has no NaN: absent values become null.
nlohmann::json number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }

} // namespace

Recovery recovery(const EvalReport &report, const EvalBaseline &baseline)
{
    Recovery r;
    double sum = 0, baseSum = 0, sumN = 0, baseSumN = 0;
    int shared = 0;
    for (const TaskResult &t : report.tasks) {
        const auto a = baseline.acc.find(t.task);
        if (a == baseline.acc.end())
            continue;
        ++shared;
        r.acc[t.task] = recoveredPercent(t.acc, a->second);
        sum += t.acc;
        baseSum += a->second;
        const auto n = baseline.accNorm.find(t.task);
        const double bn = n == baseline.accNorm.end() ? kNaN : n->second;
        r.accNorm[t.task] = recoveredPercent(t.accNorm, bn);
        sumN += t.accNorm;
        baseSumN += bn;
    }
    r.averageAcc = shared ? recoveredPercent(sum, baseSum) : kNaN;
    r.averageAccNorm = shared ? recoveredPercent(sumN, baseSumN) : kNaN;
    if (report.ppl && baseline.ppl && *baseline.ppl > 0)
        r.pplRatio = report.ppl->ppl / *baseline.ppl;
    return r;
}

std::string evalReportJson(const EvalReport &report, const EvalBaseline *baseline)
{
    nlohmann::ordered_json j;
    j["model"] = report.model;
    j["settings"] = nlohmann::ordered_json::parse(report.settingsJson);
    if (report.ppl) {
        const PerplexityFigures &p = *report.ppl;
        j["ppl"] = {{"data", p.data}, {"ppl", p.ppl},         {"windows", p.windows},
                    {"seqlen", p.seqlen}, {"tokens", p.tokens}, {"seconds", p.seconds}};
    }
    nlohmann::ordered_json tasks = nlohmann::ordered_json::object();
    for (const TaskResult &t : report.tasks)
        tasks[t.task] = {{"acc", t.acc},
                         {"acc_stderr", t.accStderr},
                         {"acc_norm", t.accNorm},
                         {"acc_norm_stderr", t.accNormStderr},
                         {"n", t.n},
                         {"total", t.total},
                         {"seconds", t.seconds},
                         {"requests", t.stats.requests},
                         {"rows", t.stats.rows},
                         {"forwards", t.stats.forwards},
                         {"forward_tokens", t.stats.forwardTokens},
                         {"batching", batchingName(t.stats.batching)}};
    j["tasks"] = tasks;
    if (!report.tasks.empty())
        j["average"] = {{"acc", averageAcc(report.tasks)},
                        {"acc_norm", averageAcc(report.tasks, true)}};
    if (baseline) {
        const Recovery r = recovery(report, *baseline);
        nlohmann::ordered_json rec = nlohmann::ordered_json::object();
        for (const auto &[task, v] : r.acc)
            rec[task] = {{"acc", number(v)}, {"acc_norm", number(r.accNorm.at(task))}};
        rec["average"] = {{"acc", number(r.averageAcc)}, {"acc_norm", number(r.averageAccNorm)}};
        if (r.pplRatio)
            rec["ppl_ratio"] = *r.pplRatio;
        j["baseline"] = baseline->source;
        j["recovered_percent"] = rec;
    }
    return j.dump(2);
}

EvalBaseline baselineFromJsonFile(const std::string &path)
{
    const nlohmann::json j = nlohmann::json::parse(readFile(path), nullptr, false);
    if (j.is_discarded() || !j.is_object())
        throw Error(path, "not a JSON object (expected the output of lieq eval --json)");
    EvalBaseline b;
    b.source = path;
    if (const auto t = j.find("tasks"); t != j.end() && t->is_object())
        for (const auto &[task, v] : t->items()) {
            if (!v.is_object() || !v.contains("acc") || !v["acc"].is_number())
                throw Error(path, "tasks." + task + " lacks a numeric \"acc\"");
            b.acc[task] = v["acc"].get<double>();
            b.accNorm[task] = v.contains("acc_norm") && v["acc_norm"].is_number()
                                  ? v["acc_norm"].get<double>() : kNaN;
        }
    if (const auto p = j.find("ppl"); p != j.end() && p->is_object() && p->contains("ppl"))
        b.ppl = (*p)["ppl"].get<double>();
    if (b.acc.empty() && !b.ppl)
        throw Error(path, "holds neither task accuracies nor a perplexity");
    return b;
}

EvalBaseline baselineFromStore(store::ExperimentStore &st, std::int64_t modelId,
                               std::optional<std::int64_t> quantRunId)
{
    store::EvalFilter f;
    f.modelId = modelId;
    f.quantRunId = quantRunId;
    f.baselineOnly = !quantRunId;
    EvalBaseline b;
    b.source = "store " + st.path() +
               (quantRunId ? ": quant run " + std::to_string(*quantRunId) : ": unquantized model");
    // Rows come ordered by id, so later (newer) rows overwrite older ones.
    for (const store::EvalResult &r : st.evalResults(f)) {
        if (r.metric == "acc")
            b.acc[r.task] = r.value;
        else if (r.metric == "acc_norm")
            b.accNorm[r.task] = r.value;
        else if (r.metric == "ppl")
            b.ppl = r.value;
    }
    if (b.acc.empty() && !b.ppl)
        throw Error(st.path(), "no stored evaluation results for model " + std::to_string(modelId) +
                                   (quantRunId ? ", quant run " + std::to_string(*quantRunId) : ""));
    return b;
}

std::vector<store::EvalResult> evalRows(const EvalReport &report, std::int64_t modelId,
                                        std::optional<std::int64_t> quantRunId,
                                        const std::map<std::string, std::int64_t> &datasetIds)
{
    std::vector<store::EvalResult> rows;
    const auto dataset = [&](const std::string &key) -> std::optional<std::int64_t> {
        const auto it = datasetIds.find(key);
        return it == datasetIds.end() ? std::nullopt : std::optional<std::int64_t>(it->second);
    };
    const auto row = [&](const std::string &task, const std::string &metric, double value,
                         double se, std::int64_t n, const std::string &settings) {
        store::EvalResult r;
        r.modelId = modelId;
        r.quantRunId = quantRunId;
        r.datasetId = dataset(task == "wikitext2" || metric == "ppl" ? "ppl" : task);
        r.task = task;
        r.metric = metric;
        r.value = value;
        r.stderrValue = se;
        r.n = n;
        r.settingsJson = settings;
        rows.push_back(r);
    };
    if (report.ppl) {
        nlohmann::json s = nlohmann::json::parse(report.settingsJson);
        s["seqlen"] = report.ppl->seqlen;
        s["data"] = report.ppl->data;
        row("ppl", "ppl", report.ppl->ppl, store::kNoValue, report.ppl->windows, s.dump());
    }
    for (const TaskResult &t : report.tasks) {
        row(t.task, "acc", t.acc, t.accStderr, t.n, report.settingsJson);
        row(t.task, "acc_norm", t.accNorm, t.accNormStderr, t.n, report.settingsJson);
    }
    return rows;
}

} // namespace lieq
