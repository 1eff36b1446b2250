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

std::vector<std::string> taskDataFiles(const std::string &name, const std::string &dataDir)
{
    const std::string t = canonicalTaskName(name);
    const std::filesystem::path d(dataDir);
    if (t == "piqa")
        return {(d / "piqa" / "valid.jsonl").string(), (d / "piqa" / "valid-labels.lst").string()};
    if (t == "winogrande")
        return {(d / "winogrande" / "dev.jsonl").string()};
    return {taskDataPath(t, dataDir)};
}

TaskData loadTask(const std::string &name, const std::string &dataDir)
{
    const std::string t = canonicalTaskName(name);
    const std::vector<std::string> files = taskDataFiles(t, dataDir);
    for (const std::string &f : files)
        if (!std::filesystem::exists(f))
            throw Error(f, "task data not found (README.md, \"Task data\", lists the files and "
                           "where to get them)");
    if (t == "piqa")
        return loadPiqa(files[0], files[1]);
    if (t == "arc_easy")
        return loadArc(files[0], "easy");
    if (t == "arc_challenge")
        return loadArc(files[0], "chal");
    if (t == "hellaswag")
        return loadHellaswag(files[0]);
    if (t == "winogrande") {
        const auto labels = std::filesystem::path(dataDir) / "winogrande" / "dev-labels.lst";
        return loadWinogrande(files[0], std::filesystem::exists(labels) ? labels.string() : std::string());
    }
    return loadBoolq(files[0]);
}

} // namespace lieq
