#include "app/cli/command.h"

#include <algorithm>
#include <cstdio>

namespace lieq::cli {

namespace {
std::vector<Command> &registry()
{
    static std::vector<Command> r;
    return r;
}

int runSpec(const CommandSpec &spec, const std::vector<std::string> &argv)
{
    Args args(spec.name, spec.positionalHelp, spec.options, spec.defaults);
    args.parse(argv);
    if (args.helpRequested()) {
        std::printf("%s%s", args.usage().c_str(), spec.moreHelp.c_str());
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

CommandRegistration::CommandRegistration(CommandSpec spec)
{
    Command c{spec.name, spec.summary, {}};
    c.run = [spec = std::move(spec)](const std::vector<std::string> &argv) {
        return runSpec(spec, argv);
    };
    registry().push_back(std::move(c));
}

} // namespace lieq::cli
