#include "app/cli/command.h"

#include <algorithm>

namespace lieq::cli {

namespace {
std::vector<Command> &registry()
{
    static std::vector<Command> r;
    return r;
}
} // namespace

const std::vector<Command> &commands()
{
    auto &r = registry();
    std::sort(r.begin(), r.end(), [](const Command &a, const Command &b) { return a.name < b.name; });
    return r;
}

CommandRegistration::CommandRegistration(Command c) { registry().push_back(std::move(c)); }

} // namespace lieq::cli
