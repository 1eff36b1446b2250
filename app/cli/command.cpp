#include "app/cli/command.h"

#include "core/util/error.h"

#include <algorithm>
#include <cstdio>

namespace lieq::cli {

namespace {
std::vector<Command> &registry()
{
    static std::vector<Command> r;
    return r;
}

// A registered command as main() runs it.
struct CommandSpec
{
    std::string name;
    std::string summary;
    std::string positionalHelp; // e.g. "MODEL_DIR"
    std::vector<OptionGroup> options;
    std::function<int(const Args &)> handler;
    std::string moreHelp;
    CommandDefaults defaults;
};

// Takes the first line of `text` (without its newline) off the front; blank lines before it go.
std::string takeLine(std::string_view &text)
{
    while (!text.empty() && text.front() == '\n')
        text.remove_prefix(1);
    const std::size_t end = std::min(text.find('\n'), text.size());
    std::string line(text.substr(0, end));
    text.remove_prefix(std::min(end + 1, text.size()));
    return line;
}

int runSpec(const CommandSpec &spec, const std::vector<std::string> &argv)
{
    Args args(spec.name, spec.positionalHelp, spec.options, spec.defaults);
    args.parse(argv);
    if (args.helpRequested()) { // the usage line, the summary, the options, more help
        std::string usage = args.usage();
        usage.insert(usage.find('\n') + 1, spec.summary + "\n");
        std::printf("%s%s", usage.c_str(), spec.moreHelp.c_str());
        return 0;
    }
    // Once, before any work: commands that run no job (info, tokenize) take it too.
    jobs::JobContext threads;
    threads.threads = args.common().threads;
    threads.applyThreads();
    return spec.handler(args);
}
} // namespace

const std::vector<Command> &commands()
{
    auto &r = registry();
    std::sort(r.begin(), r.end(), [](const Command &a, const Command &b) { return a.name < b.name; });
    return r;
}

CommandRegistration::CommandRegistration(std::function<int(const Args &)> handler,
                                         std::string_view help, std::vector<OptionGroup> groups,
                                         std::string moreHelp, CommandDefaults defaults)
{
    CommandSpec spec;
    const std::string usage = takeLine(help);
    if (usage.rfind("lieq ", 0) != 0 || usage.size() <= 5)
        throw Error("command help: expected \"lieq NAME [POSITIONAL...]\" first: " + usage);
    const std::size_t space = usage.find(' ', 5);
    spec.name = usage.substr(5, space - 5);
    spec.positionalHelp = space == std::string::npos ? std::string() : usage.substr(space + 1);
    spec.summary = takeLine(help);
    if (spec.summary.empty() || spec.summary.rfind("--", 0) == 0)
        throw Error("command help of " + spec.name + ": expected a one-line summary second");
    spec.options.push_back(optionTable(help));
    for (OptionGroup &g : groups)
        spec.options.push_back(std::move(g));
    spec.handler = std::move(handler);
    spec.moreHelp = std::move(moreHelp);
    spec.defaults = defaults;
    Command c{spec.name, spec.summary, {}};
    c.run = [spec = std::move(spec)](const std::vector<std::string> &argv) {
        return runSpec(spec, argv);
    };
    registry().push_back(std::move(c));
}

} // namespace lieq::cli
