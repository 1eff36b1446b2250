#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lieq::cli {

// Minimal GNU-style parser: `--name value`, `--name=value`, boolean `--flag`, repeated options,
// and positionals. Options a command does not declare are an error naming the option.
class Args
{
public:
    struct Spec
    {
        std::string name;      // without dashes
        bool takesValue = true;
        std::string help;
        std::string valueName = "VALUE";
    };

    Args(std::string command, std::vector<Spec> specs, std::string positionalHelp = {});

    // Throws lieq::Error with a message on unknown options or missing values.
    void parse(const std::vector<std::string> &argv);

    bool has(const std::string &name) const;
    std::string value(const std::string &name, const std::string &fallback = {}) const;
    std::vector<std::string> values(const std::string &name) const;
    long long intValue(const std::string &name, long long fallback) const;
    double doubleValue(const std::string &name, double fallback) const;
    const std::vector<std::string> &positionals() const { return m_positionals; }
    std::string positional(std::size_t i, const std::string &what) const; // throws if missing

    std::string usage() const;

private:
    const Spec *find(const std::string &name) const;
    std::string m_command;
    std::vector<Spec> m_specs;
    std::string m_positionalHelp;
    std::map<std::string, std::vector<std::string>> m_values;
    std::vector<std::string> m_positionals;
};

} // namespace lieq::cli
