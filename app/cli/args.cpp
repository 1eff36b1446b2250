#include "app/cli/args.h"

#include "core/util/error.h"

#include <sstream>

namespace lieq::cli {

Args::Args(std::string command, std::vector<Spec> specs, std::string positionalHelp)
    : m_command(std::move(command)), m_specs(std::move(specs)),
      m_positionalHelp(std::move(positionalHelp))
{
    m_specs.push_back({"help", false, "show this help", ""});
}

const Args::Spec *Args::find(const std::string &name) const
{
    for (const auto &s : m_specs)
        if (s.name == name)
            return &s;
    return nullptr;
}

void Args::parse(const std::vector<std::string> &argv)
{
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const std::string &a = argv[i];
        if (a.size() > 2 && a.compare(0, 2, "--") == 0) {
            std::string name = a.substr(2);
            std::optional<std::string> inlineValue;
            if (const auto eq = name.find('='); eq != std::string::npos) {
                inlineValue = name.substr(eq + 1);
                name = name.substr(0, eq);
            }
            const Spec *spec = find(name);
            if (!spec)
                throw Error("lieq " + m_command + ": unknown option --" + name);
            if (!spec->takesValue) {
                if (inlineValue)
                    throw Error("lieq " + m_command + ": option --" + name + " takes no value");
                m_values[name].push_back("1");
                continue;
            }
            if (inlineValue) {
                m_values[name].push_back(*inlineValue);
            } else {
                if (i + 1 >= argv.size())
                    throw Error("lieq " + m_command + ": option --" + name + " needs a value");
                m_values[name].push_back(argv[++i]);
            }
        } else {
            m_positionals.push_back(a);
        }
    }
}

bool Args::has(const std::string &name) const { return m_values.count(name) > 0; }

std::string Args::value(const std::string &name, const std::string &fallback) const
{
    const auto it = m_values.find(name);
    return it == m_values.end() ? fallback : it->second.back();
}

std::vector<std::string> Args::values(const std::string &name) const
{
    const auto it = m_values.find(name);
    return it == m_values.end() ? std::vector<std::string>{} : it->second;
}

long long Args::intValue(const std::string &name, long long fallback) const
{
    if (!has(name))
        return fallback;
    const std::string v = value(name);
    try {
        std::size_t used = 0;
        const long long r = std::stoll(v, &used);
        if (used != v.size())
            throw std::invalid_argument(v);
        return r;
    } catch (const std::exception &) {
        throw Error("lieq " + m_command + ": --" + name + " expects an integer, got '" + v + "'");
    }
}

double Args::doubleValue(const std::string &name, double fallback) const
{
    if (!has(name))
        return fallback;
    const std::string v = value(name);
    try {
        std::size_t used = 0;
        const double r = std::stod(v, &used);
        if (used != v.size())
            throw std::invalid_argument(v);
        return r;
    } catch (const std::exception &) {
        throw Error("lieq " + m_command + ": --" + name + " expects a number, got '" + v + "'");
    }
}

std::string Args::positional(std::size_t i, const std::string &what) const
{
    if (i >= m_positionals.size())
        throw Error("lieq " + m_command + ": missing " + what + "\n" + usage());
    return m_positionals[i];
}

std::string Args::usage() const
{
    std::ostringstream os;
    os << "usage: lieq " << m_command << " " << m_positionalHelp << " [options]\n";
    for (const auto &s : m_specs) {
        std::string left = "  --" + s.name + (s.takesValue ? " " + s.valueName : "");
        if (left.size() < 28)
            left.resize(28, ' ');
        os << left << " " << s.help << "\n";
    }
    return os.str();
}

} // namespace lieq::cli
