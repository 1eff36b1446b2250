#pragma once

#include <functional>
#include <string>
#include <vector>

namespace lieq::cli {

// A subcommand: `lieq NAME ...`. Each cmd_<name>.cpp defines one and registers it with a
// static CommandRegistration, so adding a command touches no shared file.
struct Command
{
    std::string name;
    std::string summary;
    std::function<int(const std::vector<std::string> &args)> run; // returns the exit code
};

const std::vector<Command> &commands();

struct CommandRegistration
{
    explicit CommandRegistration(Command c);
};

} // namespace lieq::cli
