#include "core/sweep/sweep_cell.h"

#include "core/store/sha256.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <filesystem>

namespace lieq::sweep {

using nlohmann::json;

namespace {

std::string bitSetText(const std::vector<int> &bits)
{
    std::string s = "{";
    for (std::size_t i = 0; i < bits.size(); ++i)
        s += (i ? "," : "") + std::to_string(bits[i]);
    return s + "}";
}

json paramsObject(const SweepCell &c)
{
    json j{{"model", c.model},
           {"calibration", {{"path", c.calibration.path}, {"field", c.calibration.field},
                            {"samples", c.calibration.samples}, {"seqlen", c.calibration.seqlen}}},
           {"plan", c.plan.name()},
           {"backend", c.backend},
           {"seed", c.seed}};
    if (c.budget)
        j["budget"] = c.budget->text();
    if (!c.bitSet.empty())
        j["bits"] = c.bitSet;
    return j;
}

// Why a (plan, bit set, budget) combination cannot run; empty when it can.
std::string unrunnable(const PlanChoice &plan, const std::vector<int> &bits, const Budget &budget)
{
    if (plan.kind == PlanChoice::Kind::Scored && plan.allocator == "paper" && bits.size() != 2)
        return "the paper allocator takes exactly two bit-widths";
    if (budget.fixed() && (budget.base < bits.front() || budget.base > bits.back()))
        return "budget " + budget.text() + " lies outside the bit set's range";
    return {};
}

} // namespace

std::string SweepCell::label() const
{
    std::string s = std::filesystem::path(model).filename().string() + " " + backend + " " +
                    plan.name();
    if (budget)
        s += " " + budget->text();
    if (!bitSet.empty())
        s += " " + bitSetText(bitSet);
    return s + " seed " + std::to_string(seed);
}

std::string SweepCell::paramsJson() const { return paramsObject(*this).dump(); }

Expansion expandCells(const SweepSpec &spec)
{
    Expansion out;
    auto add = [&](SweepCell c) {
        c.index = static_cast<int>(out.cells.size());
        c.key = store::Sha256::hex(c.paramsJson()).substr(0, 16);
        out.cells.push_back(std::move(c));
    };
    for (const auto &model : spec.models)
        for (const auto &calib : spec.calibrations)
            for (const auto seed : spec.seeds)
                for (const auto &backend : spec.backends)
                    for (const auto &plan : spec.plans) {
                        SweepCell c;
                        c.model = model;
                        c.calibration = calib;
                        c.plan = plan;
                        c.backend = backend;
                        c.seed = seed;
                        if (!plan.usesBudget()) {
                            add(c);
                            continue;
                        }
                        for (const auto &bits : spec.bitSets)
                            for (const auto &budget : spec.budgets) {
                                const std::string why = unrunnable(plan, bits, budget);
                                if (!why.empty()) {
                                    c.budget = budget;
                                    c.bitSet = bits;
                                    out.skipped.push_back(c.label() + ": " + why);
                                    continue;
                                }
                                c.budget = budget;
                                c.bitSet = bits;
                                add(c);
                            }
                    }
    return out;
}

SweepCell cellFromJson(const std::string &jsonText, const std::string &source)
{
    SweepCell c;
    try {
        const json j = json::parse(jsonText);
        c.index = j.at("index").get<int>();
        c.model = j.at("model").get<std::string>();
        const json &cal = j.at("calibration");
        c.calibration.path = cal.at("path").get<std::string>();
        c.calibration.field = cal.at("field").get<std::string>();
        c.calibration.samples = cal.at("samples").get<std::int64_t>();
        c.calibration.seqlen = cal.at("seqlen").get<std::int64_t>();
        c.plan = parsePlanChoice(j.at("plan").get<std::string>());
        c.backend = j.at("backend").get<std::string>();
        c.seed = j.at("seed").get<std::int64_t>();
        if (j.contains("budget"))
            c.budget = parseBudget(j.at("budget").get<std::string>());
        if (j.contains("bits"))
            c.bitSet = j.at("bits").get<std::vector<int>>();
    } catch (const json::exception &e) {
        throw Error(source, std::string("sweep cell: ") + e.what());
    } catch (const Error &e) {
        throw Error(source, std::string("sweep cell: ") + e.what());
    }
    c.key = store::Sha256::hex(c.paramsJson()).substr(0, 16);
    return c;
}

} // namespace lieq::sweep
