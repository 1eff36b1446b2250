#pragma once

#include "app/cli/args.h"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace lieq::cli {

// A subcommand, `lieq NAME ...`, as main() dispatches it: argv after the name in, exit code out.
struct Command
{
    std::string name;
    std::string summary;
    std::function<int(const std::vector<std::string> &argv)> run;
};

const std::vector<Command> &commands();

// What a cmd_<name>.cpp registers, with a static CommandRegistration (adding a command touches
// no shared file). `help` is written as `lieq NAME --help` shows it:
//     lieq NAME [POSITIONAL...]
//     the one-line summary `lieq --help` lists
//     --option VALUE      help            (the command's own options, read by optionTable)
// `groups` are the shared option groups it also takes (option_groups.h), listed after its own;
// the common options are added. `handler` runs on parsed arguments; `moreHelp` is printed after
// the option list. Parsing, `--help` and applying --threads happen once, in command.cpp.
// Throws lieq::Error on a malformed help text (at start-up: every command is registered then).
class CommandRegistration
{
public:
    CommandRegistration(std::function<int(const Args &)> handler, std::string_view help,
                        std::vector<OptionGroup> groups = {}, std::string moreHelp = {},
                        CommandDefaults defaults = {});
};

} // namespace lieq::cli
