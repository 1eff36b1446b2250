// Task names, aliases and the ../shared/data layout.
#include "core/tasks/task_loaders.h"

#include "core/util/error.h"

#include <filesystem>
#include <map>

namespace lieq {

const std::vector<std::string> &zeroShotTaskNames()
{
    static const std::vector<std::string> names = {"piqa",      "arc_easy",   "arc_challenge",
                                                   "hellaswag", "winogrande", "boolq"};
    return names;
}

std::string canonicalTaskName(const std::string &name)
{
    static const std::map<std::string, std::string> aliases = {
        {"piqa", "piqa"},           {"arc_e", "arc_easy"},         {"arc_easy", "arc_easy"},
        {"arc_c", "arc_challenge"}, {"arc_challenge", "arc_challenge"},
        {"hellaswag", "hellaswag"}, {"hs", "hellaswag"},           {"winogrande", "winogrande"},
        {"wg", "winogrande"},       {"boolq", "boolq"}};
    const auto it = aliases.find(name);
    if (it == aliases.end())
        throw Error("unknown task \"" + name +
                    "\" (piqa, arc_e, arc_c, hellaswag, winogrande, boolq)");
    return it->second;
}

std::string taskDataPath(const std::string &name, const std::string &dataDir)
{
    const std::string t = canonicalTaskName(name);
    const std::filesystem::path d(dataDir);
    if (t == "piqa")
        return (d / "piqa").string();
    if (t == "arc_easy" || t == "arc_challenge")
        return (d / "arc" / "ARC-All-answers_columns.csv").string();
    if (t == "hellaswag")
        return (d / "hellaswag" / "hellaswag_val_full.txt.bz2").string();
    if (t == "winogrande")
        return (d / "winogrande").string();
    return (d / "boolq" / "dev.jsonl").string();
}

TaskData loadTask(const std::string &name, const std::string &dataDir)
{
    const std::string t = canonicalTaskName(name);
    const std::filesystem::path d(dataDir);
    const auto need = [](const std::filesystem::path &p) {
        if (!std::filesystem::exists(p))
            throw Error(p.string(), "task data not found");
        return p.string();
    };
    if (t == "piqa")
        return loadPiqa(need(d / "piqa" / "valid.jsonl"), need(d / "piqa" / "valid-labels.lst"));
    if (t == "arc_easy")
        return loadArc(need(taskDataPath(t, dataDir)), "easy");
    if (t == "arc_challenge")
        return loadArc(need(taskDataPath(t, dataDir)), "chal");
    if (t == "hellaswag")
        return loadHellaswag(need(taskDataPath(t, dataDir)));
    if (t == "winogrande") {
        const auto labels = d / "winogrande" / "dev-labels.lst";
        return loadWinogrande(need(d / "winogrande" / "dev.jsonl"),
                              std::filesystem::exists(labels) ? labels.string() : std::string());
    }
    return loadBoolq(need(taskDataPath(t, dataDir)));
}

} // namespace lieq
