// ARC-Easy / ARC-Challenge from ARC-All-answers_columns.csv
// (questionID, category, sets, question, A, B, C, D, AnswerKey).
#include "core/tasks/data_files.h"
#include "core/tasks/task_loaders.h"

#include "core/util/error.h"
#include "core/util/text.h"

#include <array>
#include <map>

namespace lieq {

TaskData loadArc(const std::string &csvPath, const std::string &set)
{
    if (set != "easy" && set != "chal")
        throw Error(csvPath, "unknown ARC set \"" + set + "\" (easy or chal)");
    const std::vector<CsvRow> rows = parseCsv(readTextFile(csvPath), csvPath);
    if (rows.empty())
        throw Error(csvPath, "empty file");
    const std::array<const char *, 9> names = {"questionID", "category", "sets", "question",
                                               "A", "B", "C", "D", "AnswerKey"};
    std::map<std::string, std::size_t> column;
    for (std::size_t i = 0; i < rows[0].fields.size(); ++i)
        column[trimmed(rows[0].fields[i])] = i;
    std::array<std::size_t, 9> idx{};
    for (std::size_t k = 0; k < names.size(); ++k) {
        const auto it = column.find(names[k]);
        if (it == column.end())
            throw Error(csvPath, std::string("line 1: header lacks the column \"") + names[k] + "\"");
        idx[k] = it->second;
    }
    TaskData t{set == "easy" ? "arc_easy" : "arc_challenge", csvPath, {}};
    for (std::size_t r = 1; r < rows.size(); ++r) {
        const CsvRow &row = rows[r];
        const std::string line = "line " + std::to_string(row.line) + ": ";
        if (row.fields.size() != rows[0].fields.size())
            throw Error(csvPath, line + std::to_string(row.fields.size()) + " fields, the header has " +
                                     std::to_string(rows[0].fields.size()));
        // The file pads options with spaces (" an observation "); the HF dataset the harness
        // reads holds them stripped.
        const auto field = [&](int k) { return trimmed(row.fields[idx[static_cast<std::size_t>(k)]]); };
        if (field(1) != "Test" || field(2) != set)
            continue;
        const std::string context = "Question: " + field(3) + "\nAnswer:";
        TaskItem item;
        item.id = field(0);
        const std::string key = field(8);
        item.gold = -1;
        for (int c = 0; c < 4; ++c) {
            const std::string option = field(4 + c);
            if (option.empty()) {
                // A three-choice question leaves D empty; a gap before a later option is broken.
                if (c < 3 && !field(5 + c).empty())
                    throw Error(csvPath, line + "option " + std::string(1, char('A' + c)) + " is empty");
                continue;
            }
            if (key == std::string(1, char('A' + c)) || key == std::to_string(c + 1))
                item.gold = c;
            item.requests.push_back({context, " " + option});
            item.choiceTexts.push_back(option);
        }
        if (item.requests.size() < 2)
            throw Error(csvPath, line + "fewer than two options");
        if (item.gold < 0)
            throw Error(csvPath, line + "answer key \"" + key + "\" names no option");
        t.items.push_back(std::move(item));
    }
    if (t.items.empty())
        throw Error(csvPath, "no Test questions of set \"" + set + "\"");
    return t;
}

} // namespace lieq
