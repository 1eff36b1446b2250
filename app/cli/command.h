#pragma once

#include "app/cli/args.h"

#include <functional>
#include <string>
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

// What a cmd_<name>.cpp declares: its options (own and shared groups; the common options are
// added), and a handler that runs on parsed arguments. Parsing, `--help` (usage + moreHelp,
// exit 0) and applying --threads happen once, in the registration's run function.
struct CommandSpec
{
    CommandSpec(std::string name, std::string summary, std::string positionalHelp,
                std::vector<OptionGroup> options, std::function<int(const Args &)> handler,
                std::string moreHelp = {}, CommandDefaults defaults = {})
        : name(std::move(name)), summary(std::move(summary)),
          positionalHelp(std::move(positionalHelp)), options(std::move(options)),
          handler(std::move(handler)), moreHelp(std::move(moreHelp)), defaults(defaults)
    {
    }

    std::string name;
    std::string summary;
    std::string positionalHelp;          // e.g. "MODEL_DIR"
    std::vector<OptionGroup> options;
    std::function<int(const Args &)> handler;
    std::string moreHelp;                // printed after the option list
    CommandDefaults defaults;
};

// Each cmd_<name>.cpp registers itself with a static CommandRegistration, so adding a command
// touches no shared file.
struct CommandRegistration
{
    explicit CommandRegistration(CommandSpec spec);
};

} // namespace lieq::cli
