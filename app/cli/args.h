#pragma once

#include "core/jobs/job_context.h"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lieq::cli {

class TerminalProgress;

// One option of a command: `--name VALUE`, `--name=VALUE`, or a boolean `--name`.
struct Option
{
    std::string name;      // without dashes
    bool takesValue = true;
    std::string help;
    std::string valueName = "VALUE";
};

// A named set of options several commands share, e.g. calibration (--calib/--samples/...).
using OptionGroup = std::vector<Option>;

// Options written as the help text shows them, one per line: "--name VALUE  help" for an option
// with a value, "--name  help" for a flag (two or more spaces before the help; an indented line
// continues the help above). Throws lieq::Error on a malformed line.
OptionGroup optionTable(std::string_view table);

// The options every command takes, declared once here and read once into CommonOptions:
//   --store PATH, --no-store, --json, --quiet (alias --no-progress), --threads N,
//   --device NAME, --help
OptionGroup commonOptions();

struct CommonOptions
{
    bool store = true;           // record results (the command's default, --store, --no-store)
    std::string storePath;       // "" -> the default store
    bool json = false;           // machine-readable result on stdout
    bool quiet = false;          // no progress bar
    int threads = -1;            // --threads N; the command's default when absent
    std::string device = "auto";
};

// What a command does when the common options are absent.
struct CommandDefaults
{
    bool store = true; // records its results without --store (eval: only with --store)
    int threads = -1;  // compute threads without --threads (< 0: the process policy)
};

// Minimal GNU-style parser: `--name value`, `--name=value`, boolean `--flag`, repeated options,
// and positionals. Options a command does not declare are an error naming the option.
class Args
{
public:
    // `groups`: the command's own options and shared groups; the common options are added.
    Args(std::string command, std::string positionalHelp, std::vector<OptionGroup> groups,
         CommandDefaults defaults = {});

    // Throws lieq::Error naming the option on unknown options or missing values.
    void parse(const std::vector<std::string> &argv);

    bool has(const std::string &name) const;
    std::string value(const std::string &name, const std::string &fallback = {}) const;
    std::vector<std::string> values(const std::string &name) const;
    long long intValue(const std::string &name, long long fallback) const;
    double doubleValue(const std::string &name, double fallback) const;
    const std::vector<std::string> &positionals() const { return m_positionals; }
    const std::vector<std::string> &arguments() const { return m_arguments; } // as given
    std::string positional(std::size_t i, const std::string &what) const; // throws if missing
    // Throws lieq::Error("lieq CMD: --NAME ... is required") when the option is absent.
    std::string required(const std::string &name) const;
    // "lieq CMD: " + message, as a lieq::Error.
    [[noreturn]] void fail(const std::string &message) const;

    const std::string &command() const { return m_command; }
    bool helpRequested() const { return has("help"); }
    std::string usage() const;

    // The common options, with the command's defaults for those not given.
    CommonOptions common() const;
    // A job context over the common options with `bar` as its progress.
    jobs::JobContext jobContext(TerminalProgress &bar) const;

private:
    const Option *find(const std::string &name) const;
    std::string m_command;
    std::string m_positionalHelp;
    CommandDefaults m_defaults;
    std::vector<Option> m_options;
    std::map<std::string, std::vector<std::string>> m_values;
    std::vector<std::string> m_positionals;
    std::vector<std::string> m_arguments;
};

// Comma-separated list, empty items dropped.
std::vector<std::string> splitList(const std::string &list);

} // namespace lieq::cli
