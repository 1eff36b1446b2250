#include "core/alloc/plan_json.h"

#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_text.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <nlohmann/json.hpp>

namespace lieq::alloc {

using json = nlohmann::ordered_json; // keeps "schema" first, fields in a readable order

namespace {

json linearToJson(const LinearShape &s)
{
    json j{{"name", s.name}, {"rows", s.rows}, {"cols", s.cols}};
    if (std::isfinite(s.score))
        j["score"] = s.score;
    return j;
}

// Field access that reports the file and the JSON path of what is wrong.
template <typename T>
T field(const json &obj, const char *key, const std::string &where, const std::string &source)
{
    if (!obj.is_object() || !obj.contains(key))
        throw Error(source, "bit plan: " + where + " lacks \"" + key + "\"");
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
        // nlohmann converts 1e300 to an integer with undefined behaviour: require an integer in
        // range instead.
        const json &v = obj.at(key);
        const bool fits = v.is_number_unsigned()
                              ? v.get<std::uint64_t>() <= std::uint64_t(std::numeric_limits<T>::max())
                              : v.is_number_integer() &&
                                    v.get<std::int64_t>() >= std::int64_t(std::numeric_limits<T>::min()) &&
                                    v.get<std::int64_t>() <= std::int64_t(std::numeric_limits<T>::max());
        if (!fits)
            throw Error(source, "bit plan: " + where + "." + key + " is not an integer in range: " + v.dump());
        return static_cast<T>(v.get<std::int64_t>());
    }
    try {
        return obj.at(key).get<T>();
    } catch (const json::exception &) {
        throw Error(source, "bit plan: " + where + "." + key + " has the wrong type");
    }
}

// Reads each element of `array` (at JSON path `path`) with `read(element, where)`, `where`
// naming it in errors ("layers[3]"); an error naming `path` when it is not an array.
template <typename Read>
void readArray(const json &array, const std::string &path, const std::string &source, Read read)
{
    if (!array.is_array())
        throw Error(source, "bit plan: " + path + " is not an array");
    for (std::size_t i = 0; i < array.size(); ++i)
        read(array[i], path + "[" + std::to_string(i) + "]");
}

} // namespace

std::string planToJson(const BitPlan &plan, int indent)
{
    json layers = json::array();
    for (const LayerSpec &l : plan.layers) {
        json lj{{"index", l.index}, {"score", l.score}, {"params", l.params}};
        if (!l.linears.empty()) {
            lj["linears"] = json::array();
            for (const LinearShape &s : l.linears)
                lj["linears"].push_back(linearToJson(s));
        }
        layers.push_back(lj);
    }
    json units = json::array();
    for (const PlanUnit &u : plan.units)
        units.push_back({{"layer", u.layer}, {"group", u.group}, {"projections", u.projections},
                         {"params", u.params}, {"score", u.score}, {"bits", u.bits},
                         {"pinned", u.pinned}});
    json pins = json::object();
    for (const auto &[layer, bits] : plan.pins)
        pins[std::to_string(layer)] = bits;
    const json j{{"schema", "lieq.bitplan"},
                 {"schemaVersion", BitPlan::kSchemaVersion},
                 {"method", plan.method},
                 {"budget", plan.budget},
                 {"bitSet", plan.bitSet},
                 {"granularity", plan.perProjection ? "projection" : "layer"},
                 {"fuseGroups", plan.fuseGroups},
                 {"protectLowest", plan.protectLowest},
                 {"pins", pins},
                 {"nominalBits", plan.nominalBits()},
                 {"layers", layers},
                 {"units", units}};
    return j.dump(indent) + "\n";
}

BitPlan planFromJson(const std::string &text, const std::string &source)
{
    // A malformed text, or a number out of range, is an error naming the file.
    const json j = parseJson(text, source, "bit plan: malformed JSON: ");
    if (!j.is_object() || !j.contains("schema") || j.at("schema") != "lieq.bitplan")
        throw Error(source, "bit plan: not a LieQ bit plan (\"schema\" is not \"lieq.bitplan\")");
    const int version = field<int>(j, "schemaVersion", "plan", source);
    if (version < 1 || version > BitPlan::kSchemaVersion)
        throw Error(source, "bit plan: schema version " + std::to_string(version) +
                                " is not supported (this build reads up to " +
                                std::to_string(BitPlan::kSchemaVersion) + ")");
    BitPlan p;
    p.method = field<std::string>(j, "method", "plan", source);
    p.budget = field<double>(j, "budget", "plan", source);
    const json bitSet = field<json>(j, "bitSet", "plan", source);
    if (!bitSet.is_array())
        throw Error(source, "bit plan: \"bitSet\" is not a list");
    for (std::size_t i = 0; i < bitSet.size(); ++i)
        p.bitSet.push_back(field<int>(json{{"bits", bitSet[i]}}, "bits", "bitSet", source));
    const std::string granularity = field<std::string>(j, "granularity", "plan", source);
    if (granularity != "layer" && granularity != "projection")
        throw Error(source, "bit plan: granularity must be \"layer\" or \"projection\"");
    p.perProjection = granularity == "projection";
    p.fuseGroups = field<bool>(j, "fuseGroups", "plan", source);
    if (j.contains("protectLowest")) // absent in plans written before the ablation existed
        p.protectLowest = field<bool>(j, "protectLowest", "plan", source);
    const json pins = field<json>(j, "pins", "plan", source);
    if (!pins.is_object())
        throw Error(source, "bit plan: \"pins\" is not an object");
    for (const auto &[key, bits] : pins.items()) {
        try {
            std::size_t used = 0;
            const int layer = std::stoi(key, &used);
            if (used != key.size() || !bits.is_number_integer() ||
                (!isQuantBits(bits.get<int>()) && bits.get<int>() != 16))
                throw std::invalid_argument(key);
            p.pins[layer] = bits.get<int>();
        } catch (const std::exception &) {
            throw Error(source, "bit plan: pin \"" + key + "\" is not LAYER: BITS");
        }
    }
    readArray(field<json>(j, "layers", "plan", source), "layers", source, [&](const json &e, const std::string &where) {
        LayerSpec l;
        l.index = field<int>(e, "index", where, source);
        l.score = field<double>(e, "score", where, source);
        l.params = field<std::int64_t>(e, "params", where, source);
        if (e.contains("linears"))
            readArray(e.at("linears"), where + ".linears", source, [&](const json &ls, const std::string &w) {
                LinearShape s;
                s.name = field<std::string>(ls, "name", w, source);
                s.rows = field<std::int64_t>(ls, "rows", w, source);
                s.cols = field<std::int64_t>(ls, "cols", w, source);
                if (ls.contains("score"))
                    s.score = field<double>(ls, "score", w, source);
                l.linears.push_back(s);
            });
        p.layers.push_back(l);
    });
    readArray(field<json>(j, "units", "plan", source), "units", source, [&](const json &e, const std::string &where) {
        PlanUnit u;
        u.layer = field<int>(e, "layer", where, source);
        u.group = field<std::string>(e, "group", where, source);
        u.projections = field<std::vector<std::string>>(e, "projections", where, source);
        u.params = field<std::int64_t>(e, "params", where, source);
        u.score = field<double>(e, "score", where, source);
        u.bits = field<int>(e, "bits", where, source);
        u.pinned = field<bool>(e, "pinned", where, source);
        if (!isQuantBits(u.bits) && u.bits != 16)
            throw Error(source, "bit plan: " + where + ".bits = " + std::to_string(u.bits) +
                                    " is not 2, 3, 4, 8 or 16");
        if (u.params <= 0)
            throw Error(source, "bit plan: " + where + ".params must be positive");
        p.units.push_back(u);
    });
    if (p.units.empty())
        throw Error(source, "bit plan: no units");
    return p;
}

void savePlan(const BitPlan &plan, const std::string &path)
{
    writeFileAtomic(path, planToJson(plan));
}

BitPlan loadPlan(const std::string &path) { return planFromJson(readFile(path), path); }

} // namespace lieq::alloc
