#include "core/tasks/eval_report.h"

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
    int shared = 0, sharedNorm = 0;
    for (const TaskResult &t : report.tasks) {
        const auto a = baseline.acc.find(t.task);
        if (a == baseline.acc.end())
            continue;
        ++shared;
        r.acc[t.task] = recoveredPercent(t.acc, a->second);
        sum += t.acc;
        baseSum += a->second;
        const auto n = baseline.accNorm.find(t.task);
        if (!t.hasAccNorm || n == baseline.accNorm.end())
            continue;
        ++sharedNorm;
        r.accNorm[t.task] = recoveredPercent(t.accNorm, n->second);
        sumN += t.accNorm;
        baseSumN += n->second;
    }
    r.averageAcc = shared ? recoveredPercent(sum, baseSum) : kNaN;
    r.averageAccNorm = sharedNorm ? recoveredPercent(sumN, baseSumN) : kNaN;
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
    for (const TaskResult &t : report.tasks) {
        nlohmann::ordered_json tj{{"acc", t.acc}, {"acc_stderr", t.accStderr}};
        if (t.hasAccNorm) {
            tj["acc_norm"] = t.accNorm;
            tj["acc_norm_stderr"] = t.accNormStderr;
        }
        tj.update(nlohmann::ordered_json{{"n", t.n},
                                         {"total", t.total},
                                         {"seconds", t.seconds},
                                         {"requests", t.stats.requests},
                                         {"rows", t.stats.rows},
                                         {"forwards", t.stats.forwards},
                                         {"forward_tokens", t.stats.forwardTokens},
                                         {"batching", batchingName(t.stats.batching)}});
        tasks[t.task] = tj;
    }
    j["tasks"] = tasks;
    if (!report.tasks.empty())
        j["average"] = {{"acc", number(averageAcc(report.tasks))},
                        {"acc_norm", number(averageAcc(report.tasks, true))}};
    if (baseline) {
        const Recovery r = recovery(report, *baseline);
        nlohmann::ordered_json rec = nlohmann::ordered_json::object();
        for (const auto &[task, v] : r.acc) {
            rec[task] = {{"acc", number(v)}};
            if (const auto n = r.accNorm.find(task); n != r.accNorm.end())
                rec[task]["acc_norm"] = number(n->second);
        }
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
            if (v.contains("acc_norm") && v["acc_norm"].is_number())
                b.accNorm[task] = v["acc_norm"].get<double>();
        }
    if (const auto p = j.find("ppl"); p != j.end() && p->is_object() && p->contains("ppl"))
        b.ppl = (*p)["ppl"].get<double>();
    if (b.acc.empty() && !b.ppl)
        throw Error(path, "holds neither task accuracies nor a perplexity");
    return b;
}

} // namespace lieq
