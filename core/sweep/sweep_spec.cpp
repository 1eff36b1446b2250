#include "core/sweep/sweep_spec.h"

#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_text.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <regex>
#include <set>

namespace lieq::sweep {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Reads one spec: every access names the source and the field in its error.
class Reader
{
public:
    Reader(std::string source, std::string baseDir)
        : m_source(std::move(source)), m_base(baseDir.empty() ? fs::current_path() : fs::path(baseDir))
    {
    }

    [[noreturn]] void fail(const std::string &field, const std::string &why) const
    {
        throw Error(m_source, "sweep spec: \"" + field + "\": " + why);
    }

    void allowKeys(const json &obj, const std::string &where, std::set<std::string> keys) const
    {
        for (const auto &[k, v] : obj.items())
            if (!keys.count(k)) {
                std::string known;
                for (const auto &n : keys)
                    known += (known.empty() ? "" : ", ") + n;
                fail(where.empty() ? k : where + "." + k, "unknown key (known: " + known + ")");
            }
    }

    std::string path(const json &v, const std::string &field) const
    {
        if (!v.is_string() || v.get<std::string>().empty())
            fail(field, "expected a non-empty path string");
        fs::path p(v.get<std::string>());
        if (p.is_relative())
            p = m_base / p;
        return p.lexically_normal().string();
    }

    std::int64_t integer(const json &v, const std::string &field, std::int64_t min) const
    {
        if (!v.is_number_integer())
            fail(field, "expected an integer");
        const auto n = v.get<std::int64_t>();
        if (n < min)
            fail(field, "must be at least " + std::to_string(min));
        return n;
    }

    bool boolean(const json &v, const std::string &field) const
    {
        if (!v.is_boolean())
            fail(field, "expected true or false");
        return v.get<bool>();
    }

    std::string text(const json &v, const std::string &field) const
    {
        if (!v.is_string())
            fail(field, "expected a string");
        return v.get<std::string>();
    }

    // A list field: an array (or one scalar, taken as a list of one).
    json list(const json &spec, const std::string &key, const json &fallback) const
    {
        if (!spec.contains(key))
            return fallback;
        json v = spec.at(key);
        if (!v.is_array())
            v = json::array({v});
        if (v.empty())
            fail(key, "must not be empty");
        return v;
    }

    const std::string &source() const { return m_source; }

private:
    std::string m_source;
    fs::path m_base;
};

CalibrationChoice readCalibration(const Reader &r, const json &j, const std::string &field)
{
    if (!j.is_object())
        r.fail(field, "expected an object {\"path\": ..., \"samples\": ..., \"seqlen\": ...}");
    r.allowKeys(j, field, {"path", "field", "samples", "seqlen"});
    CalibrationChoice c;
    if (!j.contains("path"))
        r.fail(field + ".path", "missing");
    c.path = r.path(j.at("path"), field + ".path");
    if (j.contains("field"))
        c.field = r.text(j.at("field"), field + ".field");
    if (j.contains("samples"))
        c.samples = r.integer(j.at("samples"), field + ".samples", 1);
    if (j.contains("seqlen"))
        c.seqlen = r.integer(j.at("seqlen"), field + ".seqlen", 2);
    return c;
}

EvaluationSpec readEvaluation(const Reader &r, const json &j)
{
    if (!j.is_object())
        r.fail("evaluation", "expected an object");
    r.allowKeys(j, "evaluation",
                {"ppl", "field", "seqlen", "max_windows", "kl", "tasks", "limit", "data_dir"});
    EvaluationSpec e;
    if (j.contains("ppl"))
        e.pplPath = r.path(j.at("ppl"), "evaluation.ppl");
    if (j.contains("field"))
        e.field = r.text(j.at("field"), "evaluation.field");
    if (j.contains("seqlen"))
        e.seqlen = r.integer(j.at("seqlen"), "evaluation.seqlen", 0);
    if (j.contains("max_windows"))
        e.maxWindows = r.integer(j.at("max_windows"), "evaluation.max_windows", -1);
    if (j.contains("kl"))
        e.kl = r.boolean(j.at("kl"), "evaluation.kl");
    if (j.contains("tasks")) {
        const json &t = j.at("tasks");
        if (!t.is_array())
            r.fail("evaluation.tasks", "expected an array of task names");
        for (const auto &name : t)
            e.tasks.push_back(r.text(name, "evaluation.tasks"));
    }
    if (j.contains("limit"))
        e.limit = r.integer(j.at("limit"), "evaluation.limit", -1);
    if (j.contains("data_dir"))
        e.dataDir = r.path(j.at("data_dir"), "evaluation.data_dir");
    if (e.pplPath.empty() && e.tasks.empty())
        r.fail("evaluation", "needs \"ppl\" (perplexity text) or \"tasks\"");
    if (e.pplPath.empty()) {
        if (j.contains("kl") && e.kl)
            r.fail("evaluation.kl", "KL is measured on the perplexity windows: give \"ppl\" too");
        e.kl = false;
    }
    return e;
}

std::vector<int> readBitSet(const Reader &r, const json &j)
{
    if (!j.is_array() || j.size() < 2)
        r.fail("bit_sets", "each bit set is an array of at least two bit-widths, e.g. [2, 4]");
    std::vector<int> bits;
    for (const auto &b : j) {
        const auto v = r.integer(b, "bit_sets", 2);
        if (v != 2 && v != 3 && v != 4 && v != 8)
            r.fail("bit_sets", "bit-width " + std::to_string(v) + " is not one of 2, 3, 4, 8");
        bits.push_back(static_cast<int>(v));
    }
    std::sort(bits.begin(), bits.end());
    if (std::adjacent_find(bits.begin(), bits.end()) != bits.end())
        r.fail("bit_sets", "a bit-width appears twice");
    return bits;
}

std::string formatNumber(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
}

template<typename T>
void requireUnique(const Reader &r, const std::vector<T> &items, const std::string &field)
{
    for (std::size_t i = 0; i < items.size(); ++i)
        for (std::size_t k = i + 1; k < items.size(); ++k)
            if (items[i] == items[k])
                r.fail(field, "lists the same value twice");
}

} // namespace

double Budget::bitsFor(std::int64_t layers) const
{
    return fixed() || layers <= 0 ? base : base + perLayer / static_cast<double>(layers);
}

std::string Budget::text() const
{
    return fixed() ? formatNumber(base) : formatNumber(base) + "+" + formatNumber(perLayer) + "/L";
}

Budget parseBudget(const std::string &text)
{
    static const std::regex fixed(R"(\s*([0-9]+(\.[0-9]+)?)\s*)");
    static const std::regex perLayer(R"(\s*([0-9]+(\.[0-9]+)?)\s*\+\s*([0-9]+(\.[0-9]+)?)\s*/\s*L\s*)");
    std::smatch m;
    Budget b;
    if (std::regex_match(text, m, fixed)) {
        b.base = std::stod(m[1]);
    } else if (std::regex_match(text, m, perLayer)) {
        b.base = std::stod(m[1]);
        b.perLayer = std::stod(m[3]);
    } else {
        throw Error("budget \"" + text + "\": expected average bits (e.g. 2.25) or B+K/L "
                    "(e.g. 2+2/L: one 4-bit layer of L)");
    }
    if (b.base < 2.0 || b.base > 8.0)
        throw Error("budget \"" + text + "\": average bits must lie in [2, 8]");
    return b;
}

SweepSpec parseSweepSpec(const std::string &jsonText, const std::string &source,
                         const std::string &baseDir)
{
    json j = parseJson(jsonText, source, "sweep spec is not valid JSON: ");
    const Reader r(source, baseDir);
    if (!j.is_object())
        r.fail("(top level)", "expected an object");
    r.allowKeys(j, "", {"name", "models", "calibration", "evaluation", "budgets", "plans",
                        "backends", "bit_sets", "seeds", "quantization", "analysis", "threads"});
    SweepSpec s;
    s.sourcePath = source;
    s.name = j.contains("name") ? r.text(j.at("name"), "name")
                                : fs::path(source).stem().string();
    if (!j.contains("models"))
        r.fail("models", "missing (a list of model folders)");
    for (const auto &m : r.list(j, "models", {}))
        s.models.push_back(r.path(m, "models"));
    if (!j.contains("calibration"))
        r.fail("calibration", "missing ({\"path\": TEXT, \"samples\": N, \"seqlen\": S})");
    const json calib = r.list(j, "calibration", {});
    for (std::size_t i = 0; i < calib.size(); ++i)
        s.calibrations.push_back(readCalibration(
            r, calib[i], calib.size() == 1 ? "calibration" : "calibration[" + std::to_string(i) + "]"));
    if (!j.contains("evaluation"))
        r.fail("evaluation", "missing ({\"ppl\": TEXT, ...} and/or \"tasks\")");
    s.evaluation = readEvaluation(r, j.at("evaluation"));
    for (const auto &b : r.list(j, "budgets", json::array({"2+2/L"}))) {
        try {
            s.budgets.push_back(parseBudget(b.is_number() ? formatNumber(b.get<double>())
                                                          : r.text(b, "budgets")));
        } catch (const Error &e) {
            r.fail("budgets", e.what());
        }
    }
    for (const auto &p : r.list(j, "plans", json::array({"dr"}))) {
        try {
            s.plans.push_back(parsePlanChoice(r.text(p, "plans")));
        } catch (const Error &e) {
            r.fail("plans", e.what());
        }
    }
    for (const auto &b : r.list(j, "backends", json::array({"gptq"}))) {
        const std::string name = r.text(b, "backends");
        const auto &known = knownBackends();
        if (std::find(known.begin(), known.end(), name) == known.end())
            r.fail("backends", "unknown backend \"" + name + "\" (rtn, gptq or awq)");
        s.backends.push_back(name);
    }
    const json bitSets = j.contains("bit_sets") ? j.at("bit_sets") : json::array({{2, 4}});
    if (!bitSets.is_array() || bitSets.empty())
        r.fail("bit_sets", "expected a non-empty array of bit sets, e.g. [[2, 4], [2, 3, 4]]");
    for (const auto &b : bitSets)
        s.bitSets.push_back(readBitSet(r, b));
    for (const auto &v : r.list(j, "seeds", json::array({0})))
        s.seeds.push_back(r.integer(v, "seeds", 0));
    if (j.contains("quantization")) {
        const json &q = j.at("quantization");
        if (!q.is_object())
            r.fail("quantization", "expected an object");
        r.allowKeys(q, "quantization", {"group_size", "symmetric", "act_order", "damp"});
        if (q.contains("group_size")) {
            const auto g = r.integer(q.at("group_size"), "quantization.group_size", -1);
            if (g == 0)
                r.fail("quantization.group_size", "must be positive or -1 (one group per row)");
            s.quantization.groupSize = static_cast<int>(g);
        }
        if (q.contains("symmetric"))
            s.quantization.symmetric = r.boolean(q.at("symmetric"), "quantization.symmetric");
        if (q.contains("act_order"))
            s.quantization.actOrder = r.boolean(q.at("act_order"), "quantization.act_order");
        if (q.contains("damp")) {
            if (!q.at("damp").is_number() || q.at("damp").get<double>() <= 0)
                r.fail("quantization.damp", "expected a positive number");
            s.quantization.damp = q.at("damp").get<double>();
        }
    }
    if (j.contains("analysis")) {
        const json &a = j.at("analysis");
        if (!a.is_object())
            r.fail("analysis", "expected an object");
        r.allowKeys(a, "analysis", {"samples", "seqlen"});
        if (a.contains("samples"))
            s.analysisSamples = r.integer(a.at("samples"), "analysis.samples", 1);
        if (a.contains("seqlen"))
            s.analysisSeqlen = r.integer(a.at("seqlen"), "analysis.seqlen", 2);
    }
    if (j.contains("threads"))
        s.threads = static_cast<int>(r.integer(j.at("threads"), "threads", 1));
    requireUnique(r, s.models, "models");
    requireUnique(r, s.calibrations, "calibration");
    requireUnique(r, s.budgets, "budgets");
    requireUnique(r, s.plans, "plans");
    requireUnique(r, s.backends, "backends");
    requireUnique(r, s.bitSets, "bit_sets");
    requireUnique(r, s.seeds, "seeds");
    return s;
}

SweepSpec loadSweepSpec(const std::string &path)
{
    const std::string text = readFile(path);
    return parseSweepSpec(text, path, fs::absolute(fs::path(path)).parent_path().string());
}

std::string sweepSpecJson(const SweepSpec &s)
{
    json calib = json::array();
    for (const auto &c : s.calibrations)
        calib.push_back({{"path", c.path}, {"field", c.field}, {"samples", c.samples},
                         {"seqlen", c.seqlen}});
    const EvaluationSpec &e = s.evaluation;
    json eval{{"field", e.field}, {"seqlen", e.seqlen}, {"max_windows", e.maxWindows},
              {"kl", e.kl}, {"tasks", e.tasks}, {"limit", e.limit}};
    if (!e.pplPath.empty())
        eval["ppl"] = e.pplPath;
    if (!e.dataDir.empty())
        eval["data_dir"] = e.dataDir;
    json budgets = json::array(), plans = json::array();
    for (const auto &b : s.budgets)
        budgets.push_back(b.text());
    for (const auto &p : s.plans)
        plans.push_back(p.name());
    json j{{"name", s.name}, {"models", s.models}, {"calibration", calib}, {"evaluation", eval},
           {"budgets", budgets}, {"plans", plans}, {"backends", s.backends},
           {"bit_sets", s.bitSets}, {"seeds", s.seeds},
           {"quantization", {{"group_size", s.quantization.groupSize},
                             {"symmetric", s.quantization.symmetric},
                             {"act_order", s.quantization.actOrder},
                             {"damp", s.quantization.damp}}},
           {"threads", s.threads}};
    json analysis = json::object();
    if (s.analysisSamples > 0)
        analysis["samples"] = s.analysisSamples;
    if (s.analysisSeqlen > 0)
        analysis["seqlen"] = s.analysisSeqlen;
    if (!analysis.empty())
        j["analysis"] = analysis;
    return j.dump(2);
}

} // namespace lieq::sweep
