// HellaSwag from the 6-lines-per-task text file: "label: context", gold index, 4 endings.
#include "core/tasks/data_files.h"
#include "core/tasks/task_loaders.h"

#include "core/util/error.h"

namespace lieq {

namespace {

std::string pyStrip(const std::string &s)
{
    const char *ws = " \t\r\n\v\f";
    const auto b = s.find_first_not_of(ws);
    if (b == std::string::npos)
        return {};
    return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

// Python's str.replace: left to right, non-overlapping.
std::string replaceAll(const std::string &s, const std::string &from, const std::string &to)
{
    std::string out;
    std::size_t pos = 0;
    while (true) {
        const std::size_t hit = s.find(from, pos);
        if (hit == std::string::npos)
            break;
        out.append(s, pos, hit - pos).append(to);
        pos = hit + from.size();
    }
    return out.append(s, pos, std::string::npos);
}

// The harness builds "{ctx_a} {ctx_b.capitalize()}"; the file has ctx_b as written (the
// ActivityNet fragments are lower case: "... on a roof. he"). A final fragment after ". "
// that starts lower case and does not end a sentence is that ctx_b.
std::string capitaliseTrailingFragment(std::string s)
{
    const std::size_t dot = s.rfind(". ");
    if (dot == std::string::npos)
        return s;
    const std::size_t start = dot + 2;
    if (start >= s.size() || s[start] < 'a' || s[start] > 'z')
        return s;
    const char last = s.back();
    if (last == '.' || last == '?' || last == '!' || last == '"')
        return s;
    s[start] = static_cast<char>(s[start] - 'a' + 'A');
    return s;
}

} // namespace

std::string hellaswagPreprocess(const std::string &text)
{
    std::string t = replaceAll(pyStrip(text), " [title]", ". ");
    // re.sub("\\[.*?\\]", "", t): drop each shortest "[...]" span.
    std::string out;
    std::size_t pos = 0;
    while (true) {
        const std::size_t open = t.find('[', pos);
        const std::size_t close = open == std::string::npos ? open : t.find(']', open + 1);
        if (close == std::string::npos)
            break;
        out.append(t, pos, open - pos);
        pos = close + 1;
    }
    out.append(t, pos, std::string::npos);
    return replaceAll(out, "  ", " ");
}

TaskData loadHellaswag(const std::string &path)
{
    std::vector<std::string> lines = splitLines(readTextFile(path));
    while (!lines.empty() && lines.back().empty())
        lines.pop_back();
    if (lines.empty())
        throw Error(path, "no items");
    if (lines.size() % 6 != 0)
        throw Error(path, "line " + std::to_string(lines.size() / 6 * 6 + 1) +
                              ": incomplete task (each task is 6 lines: context, label, "
                              "4 endings)");
    TaskData t{"hellaswag", path, {}};
    for (std::size_t i = 0; i < lines.size(); i += 6) {
        const std::string line = "line " + std::to_string(i + 1) + ": ";
        const std::string &ctx = lines[i];
        if (ctx.find(": ") == std::string::npos)
            throw Error(path, line + "context lacks the \"activity label: \" prefix");
        const std::string &label = lines[i + 1];
        if (label.size() != 1 || label[0] < '0' || label[0] > '3')
            throw Error(path, "line " + std::to_string(i + 2) + ": gold label \"" + label +
                                  "\" is not 0..3");
        TaskItem item;
        item.id = "line " + std::to_string(i + 1);
        item.gold = label[0] - '0';
        const std::string context = hellaswagPreprocess(capitaliseTrailingFragment(ctx));
        for (std::size_t e = 0; e < 4; ++e) {
            const std::string ending = hellaswagPreprocess(lines[i + 2 + e]);
            item.requests.push_back({context, " " + ending});
            item.choiceTexts.push_back(ending);
        }
        t.items.push_back(std::move(item));
    }
    return t;
}

} // namespace lieq
