#include "core/alloc/scores_file.h"

#include "core/io/projection.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_text.h"
#include "core/util/text.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

namespace lieq::alloc {

using nlohmann::json;

namespace {

std::vector<std::string> splitCsv(const std::string &line)
{
    std::vector<std::string> out;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ','))
        out.push_back(trimmed(cell));
    if (!line.empty() && line.back() == ',')
        out.emplace_back();
    return out;
}

double number(const json &j, const char *key, const std::string &where, const std::string &src)
{
    if (!j.contains(key) || !j.at(key).is_number())
        throw Error(src, "scores: " + where + " needs a number \"" + key + "\"");
    return j.at(key).get<double>();
}

std::int64_t integer(const json &j, const char *key, const std::string &where,
                     const std::string &src)
{
    if (!j.contains(key) || !j.at(key).is_number_integer())
        throw Error(src, "scores: " + where + " needs an integer \"" + key + "\"");
    return j.at(key).get<std::int64_t>();
}

// The score field of a layer: the metric's, else a hand-made file's "score".
const char *scoreKey(const json &layer, const std::string &metric)
{
    if (layer.contains(metric) || !layer.contains("score"))
        return metric.c_str();
    return "score";
}

} // namespace

ScoresInput scoresFromJson(const std::string &text, const std::string &source,
                           const std::string &metric)
{
    json j = parseJson(text, source, "scores: malformed JSON: ");
    ScoresInput in;
    json layers;
    if (j.is_array()) {
        layers = j;
    } else if (j.is_object() && j.contains("layers") && j["layers"].is_array()) {
        layers = j["layers"];
        for (const char *key : {"other_params", "otherParams"})
            if (j.contains(key))
                in.otherParams = integer(j, key, "the file", source);
    } else {
        throw Error(source, "scores: expected {\"layers\": [...]} or an array of layers");
    }
    for (std::size_t i = 0; i < layers.size(); ++i) {
        const json &lj = layers[i];
        const std::string where = "layers[" + std::to_string(i) + "]";
        if (!lj.is_object())
            throw Error(source, "scores: " + where + " is not an object");
        LayerSpec l;
        l.index = int(integer(lj, lj.contains("layer") ? "layer" : "index", where, source));
        const char *key = scoreKey(lj, metric);
        if (!lj.contains(key) || !lj.at(key).is_number())
            throw Error(source, "scores: " + where + " needs a number \"" + metric +
                                    "\" (or \"score\")");
        l.score = lj.at(key).get<double>();
        if (lj.contains("params"))
            l.params = integer(lj, "params", where, source);
        if (lj.contains("linears")) {
            if (!lj["linears"].is_array())
                throw Error(source, "scores: " + where + ".linears is not an array");
            for (std::size_t k = 0; k < lj["linears"].size(); ++k) {
                const json &sj = lj["linears"][k];
                const std::string w = where + ".linears[" + std::to_string(k) + "]";
                LinearShape s;
                if (!sj.is_object() || !sj.contains("name") || !sj["name"].is_string())
                    throw Error(source, "scores: " + w + " needs a \"name\"");
                s.name = sj["name"].get<std::string>();
                // Refused here, naming the file, rather than later by the allocator's
                // per-projection grouping (whose message has no file to quote the name safely).
                if (!projectionFromName(s.name))
                    throw Error(source, "scores: " + w + ".name '" + s.name +
                                            "' is not a projection (q_proj, k_proj, v_proj, o_proj, "
                                            "gate_proj, up_proj, down_proj)");
                s.rows = integer(sj, "rows", w, source);
                s.cols = integer(sj, "cols", w, source);
                if (sj.contains("score"))
                    s.score = number(sj, "score", w, source);
                l.linears.push_back(s);
            }
        }
        if (l.params == 0 && l.linears.empty())
            throw Error(source, "scores: " + where + " needs \"params\" or \"linears\"");
        in.layers.push_back(l);
    }
    if (in.layers.empty())
        throw Error(source, "scores: no layers");
    return in;
}

ScoresInput scoresFromCsv(const std::string &text, const std::string &source,
                          const std::string &metric)
{
    std::stringstream ss(text);
    std::string line;
    std::map<std::string, std::size_t> columns;
    std::string scoreColumn;
    ScoresInput in;
    int lineNo = 0;
    while (std::getline(ss, line)) {
        ++lineNo;
        line = trimmed(line);
        if (line.rfind("# other_params=", 0) == 0) {
            try {
                in.otherParams = std::stoll(line.substr(15));
            } catch (const std::exception &) {
                throw Error(source, "scores: line " + std::to_string(lineNo) + ": other_params is not a number");
            }
            continue;
        }
        if (line.empty() || line[0] == '#')
            continue;
        const std::vector<std::string> cells = splitCsv(line);
        if (columns.empty()) {
            for (std::size_t i = 0; i < cells.size(); ++i)
                columns[cells[i]] = i;
            scoreColumn = columns.count(metric) || !columns.count("score") ? metric : "score";
            for (const std::string &need : {std::string("layer"), scoreColumn, std::string("params")})
                if (!columns.count(need))
                    throw Error(source, "scores: the CSV header lacks a \"" + need +
                                            "\" column (expected layer,params and the score column " +
                                            metric + ")");
            continue;
        }
        const std::string where = "line " + std::to_string(lineNo);
        auto cell = [&](const std::string &name) -> const std::string & {
            const std::size_t c = columns[name];
            if (c >= cells.size())
                throw Error(source, "scores: " + where + " has no " + name + " value");
            return cells[c];
        };
        LayerSpec l;
        try {
            std::size_t used = 0;
            l.index = std::stoi(cell("layer"), &used);
            if (used != cell("layer").size())
                throw std::invalid_argument("layer");
            l.score = std::stod(cell(scoreColumn), &used);
            if (used != cell(scoreColumn).size())
                throw std::invalid_argument("score");
            l.params = std::stoll(cell("params"), &used);
            if (used != cell("params").size())
                throw std::invalid_argument("params");
        } catch (const Error &) {
            throw;
        } catch (const std::exception &) {
            throw Error(source, "scores: " + where + " has no number in layer, params or " +
                                    scoreColumn + ": '" + line + "'");
        }
        in.layers.push_back(l);
    }
    if (in.layers.empty())
        throw Error(source, "scores: no layers");
    return in;
}

ScoresInput loadScores(const std::string &path, const std::string &metric)
{
    const std::string text = readFile(path);
    const std::string head = trimmed(text.substr(0, 64));
    const bool isJson = (path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0) ||
                        (!head.empty() && (head[0] == '{' || head[0] == '['));
    return isJson ? scoresFromJson(text, path, metric) : scoresFromCsv(text, path, metric);
}

std::string layerTableCsv(const LayerTable &table)
{
    std::ostringstream s;
    s.precision(10);
    // The weights outside the layers (embeddings, norms, head) for the size estimates.
    s << "# other_params=" << table.otherParams << '\n';
    s << "layer,params";
    if (!table.rows.empty())
        for (const auto &[name, v] : table.rows.front().values)
            s << ',' << name;
    s << '\n';
    for (const LayerTableRow &r : table.rows) {
        s << r.layer << ',' << r.params;
        for (const auto &[name, v] : r.values) {
            s << ',';
            if (std::isfinite(v))
                s << v;
        }
        s << '\n';
    }
    return s.str();
}

std::string layerTableJson(const LayerTable &table)
{
    json layers = json::array();
    for (const LayerTableRow &r : table.rows) {
        json l{{"layer", r.layer}, {"params", r.params}};
        for (const auto &[name, v] : r.values)
            l[name] = std::isfinite(v) ? json(v) : json(nullptr);
        if (!r.linears.empty()) {
            json lin = json::array();
            for (const LinearShape &x : r.linears)
                lin.push_back({{"name", x.name}, {"rows", x.rows}, {"cols", x.cols}});
            l["linears"] = lin;
        }
        layers.push_back(l);
    }
    return json{{"layers", layers}, {"other_params", table.otherParams}}.dump();
}

} // namespace lieq::alloc
