#include "core/sweep/cell_result.h"

#include "core/util/error.h"

#include <nlohmann/json.hpp>

namespace lieq::sweep {

using nlohmann::json;

namespace {

// NaN has no JSON form: absent figures are written as null and read back as NaN.
json number(double v)
{
    return std::isfinite(v) ? json(v) : json(nullptr);
}

double number(const json &j, const char *key)
{
    if (!j.contains(key) || j.at(key).is_null())
        return CellResult::kNone;
    return j.at(key).get<double>();
}

} // namespace

std::string CellResult::toJson() const
{
    json tasks = json::object();
    for (const auto &[task, v] : acc)
        tasks[task]["acc"] = number(v);
    for (const auto &[task, v] : accNorm)
        tasks[task]["acc_norm"] = number(v);
    const json j{{"cell", cell},
                 {"budget_bits", number(budgetBits)},
                 {"nominal_bits", number(nominalBits)},
                 {"effective_bits", number(effectiveBits)},
                 {"layer_bits", layerBits},
                 {"ppl", number(ppl)},
                 {"ppl_reference", number(pplReference)},
                 {"kl", number(kl)},
                 {"top1", number(top1)},
                 {"windows", windows},
                 {"tasks", tasks},
                 {"quant_run_id", quantRunId},
                 {"analysis_run_id", analysisRunId},
                 {"seconds", seconds},
                 {"wall_s", wallSeconds}};
    return j.dump(2) + "\n";
}

CellResult CellResult::fromJson(const std::string &text, const std::string &source)
{
    CellResult r;
    try {
        const json j = json::parse(text);
        r.cell = j.at("cell").get<int>();
        r.budgetBits = number(j, "budget_bits");
        r.nominalBits = number(j, "nominal_bits");
        r.effectiveBits = number(j, "effective_bits");
        r.layerBits = j.value("layer_bits", std::vector<int>());
        r.ppl = number(j, "ppl");
        r.pplReference = number(j, "ppl_reference");
        r.kl = number(j, "kl");
        r.top1 = number(j, "top1");
        r.windows = j.value("windows", std::int64_t(0));
        if (j.contains("tasks"))
            for (const auto &[task, v] : j.at("tasks").items()) {
                if (v.contains("acc"))
                    r.acc[task] = number(v, "acc");
                if (v.contains("acc_norm"))
                    r.accNorm[task] = number(v, "acc_norm");
            }
        r.quantRunId = j.value("quant_run_id", std::int64_t(0));
        r.analysisRunId = j.value("analysis_run_id", std::int64_t(0));
        if (j.contains("seconds"))
            r.seconds = j.at("seconds").get<std::map<std::string, double>>();
        r.wallSeconds = j.value("wall_s", 0.0);
    } catch (const json::exception &e) {
        throw Error(source, std::string("cell result: ") + e.what());
    }
    return r;
}

} // namespace lieq::sweep
