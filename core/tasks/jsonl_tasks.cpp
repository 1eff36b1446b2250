// PIQA, WinoGrande and BoolQ: one JSON object per line (+ a labels file for PIQA).
#include "core/tasks/data_files.h"
#include "core/tasks/task_loaders.h"

#include "core/util/error.h"
#include "core/util/text.h"

#include <nlohmann/json.hpp>

namespace lieq {

namespace {

struct JsonLine
{
    std::int64_t line;
    nlohmann::json value;
};

std::string where(std::int64_t line) { return "line " + std::to_string(line) + ": "; }

std::vector<JsonLine> readJsonl(const std::string &path)
{
    std::vector<JsonLine> out;
    const std::vector<std::string> lines = splitLines(readTextFile(path));
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const auto line = static_cast<std::int64_t>(i + 1);
        if (lines[i].find_first_not_of(" \t") == std::string::npos)
            continue;
        nlohmann::json j = nlohmann::json::parse(lines[i], nullptr, false);
        if (j.is_discarded() || !j.is_object())
            throw Error(path, where(line) + "not a JSON object");
        out.push_back({line, std::move(j)});
    }
    if (out.empty())
        throw Error(path, "no items");
    return out;
}

std::string stringField(const JsonLine &l, const char *key, const std::string &path)
{
    const auto it = l.value.find(key);
    if (it == l.value.end() || !it->is_string())
        throw Error(path, where(l.line) + "missing string field \"" + key + "\"");
    return it->get<std::string>();
}

std::vector<std::string> readLabels(const std::string &path)
{
    std::vector<std::string> labels;
    for (std::string l : splitLines(readTextFile(path))) {
        while (!l.empty() && (l.back() == ' ' || l.back() == '\t'))
            l.pop_back();
        labels.push_back(l);
    }
    while (!labels.empty() && labels.back().empty())
        labels.pop_back();
    return labels;
}

// "0"/"1" (PIQA) or "1"/"2" (WinoGrande) -> choice index.
int labelIndex(const std::string &label, int first, int count, const std::string &path,
               std::int64_t line)
{
    if (label.size() == 1 && label[0] >= '0' + first && label[0] < '0' + first + count)
        return label[0] - '0' - first;
    throw Error(path, where(line) + "label \"" + label + "\" is not one of " +
                          std::to_string(first) + ".." + std::to_string(first + count - 1));
}

LoglikelihoodRequest request(std::string context, std::string continuation)
{
    return {std::move(context), std::move(continuation)};
}

} // namespace

TaskData loadPiqa(const std::string &jsonlPath, const std::string &labelsPath)
{
    const auto rows = readJsonl(jsonlPath);
    const auto labels = readLabels(labelsPath);
    if (labels.size() != rows.size())
        throw Error(labelsPath, std::to_string(labels.size()) + " labels for " +
                                    std::to_string(rows.size()) + " items in " + jsonlPath);
    TaskData t{"piqa", jsonlPath, {}};
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const std::string goal = stringField(rows[i], "goal", jsonlPath);
        const std::string context = "Question: " + goal + "\nAnswer:";
        TaskItem item;
        item.id = "line " + std::to_string(rows[i].line);
        for (const char *key : {"sol1", "sol2"}) {
            const std::string sol = stringField(rows[i], key, jsonlPath);
            item.requests.push_back(request(context, " " + sol));
            item.choiceTexts.push_back(sol);
        }
        item.gold = labelIndex(labels[i], 0, 2, labelsPath, static_cast<std::int64_t>(i + 1));
        t.items.push_back(std::move(item));
    }
    return t;
}

TaskData loadWinogrande(const std::string &jsonlPath, const std::string &labelsPath)
{
    const auto rows = readJsonl(jsonlPath);
    std::vector<std::string> labels;
    if (!labelsPath.empty()) {
        labels = readLabels(labelsPath);
        if (labels.size() != rows.size())
            throw Error(labelsPath, std::to_string(labels.size()) + " labels for " +
                                        std::to_string(rows.size()) + " items in " + jsonlPath);
    }
    TaskData t{"winogrande", jsonlPath, {}};
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const JsonLine &r = rows[i];
        const std::string sentence = stringField(r, "sentence", jsonlPath);
        const std::size_t blank = sentence.find('_');
        if (blank == std::string::npos)
            throw Error(jsonlPath, where(r.line) + "sentence has no \"_\" blank");
        const std::string answer = stringField(r, "answer", jsonlPath);
        TaskItem item;
        item.id = r.value.contains("qID") && r.value["qID"].is_string()
                      ? r.value["qID"].get<std::string>()
                      : "line " + std::to_string(r.line);
        item.gold = labelIndex(answer, 1, 2, jsonlPath, r.line);
        if (!labels.empty() &&
            labelIndex(labels[i], 1, 2, labelsPath, static_cast<std::int64_t>(i + 1)) != item.gold)
            throw Error(labelsPath, where(static_cast<std::int64_t>(i + 1)) +
                                        "label disagrees with the answer in " + jsonlPath);
        // Partial scoring: the option fills the blank in the context; the rest of the
        // sentence is the continuation shared by both options.
        const std::string continuation = " " + trimmed(sentence.substr(blank + 1));
        for (const char *key : {"option1", "option2"}) {
            const std::string context = sentence.substr(0, blank) + stringField(r, key, jsonlPath);
            item.requests.push_back(request(context, continuation));
            item.choiceTexts.push_back(context);
        }
        t.items.push_back(std::move(item));
    }
    return t;
}

TaskData loadBoolq(const std::string &jsonlPath)
{
    const auto rows = readJsonl(jsonlPath);
    TaskData t{"boolq", jsonlPath, {}};
    for (const JsonLine &r : rows) {
        const std::string context = stringField(r, "passage", jsonlPath) + "\nQuestion: " +
                                    stringField(r, "question", jsonlPath) + "?\nAnswer:";
        const auto it = r.value.find("answer");
        if (it == r.value.end() || !it->is_boolean())
            throw Error(jsonlPath, where(r.line) + "missing boolean field \"answer\"");
        TaskItem item;
        item.id = "line " + std::to_string(r.line);
        item.requests = {request(context, " no"), request(context, " yes")};
        item.choiceTexts = {"no", "yes"};
        item.gold = it->get<bool>() ? 1 : 0;
        t.items.push_back(std::move(item));
    }
    return t;
}

} // namespace lieq
