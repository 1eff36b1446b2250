#include "app/cli/args.h"

#include "app/cli/terminal_progress.h"
#include "core/util/error.h"

#include <sstream>

namespace lieq::cli {

OptionGroup commonOptions()
{
    return optionTable(R"(
--store PATH        experiment store file (default $LIEQ_STORE, else the user's data folder)
--no-store          record nothing in the experiment store
--json              machine-readable result on stdout
--quiet             no progress bar on stderr
--no-progress       the same as --quiet
--threads N         compute threads (default: all cores; work too small to split
                    runs on one thread by itself)
--device NAME       auto | cpu | cuda (default auto)
--help              show this help
)");
}

OptionGroup optionTable(std::string_view table)
{
    OptionGroup out;
    std::size_t pos = 0;
    while (pos < table.size()) {
        std::size_t end = table.find('\n', pos);
        if (end == std::string_view::npos)
            end = table.size();
        const std::string line(table.substr(pos, end - pos));
        pos = end + 1;
        if (line.find_first_not_of(' ') == std::string::npos)
            continue;
        if (line[0] == ' ') { // continuation of the help above
            if (out.empty())
                throw Error("option table: a continuation line before any option: " + line);
            out.back().help += " " + line.substr(line.find_first_not_of(' '));
            continue;
        }
        const std::size_t gap = line.find("  ");
        if (line.rfind("--", 0) != 0 || gap == std::string::npos)
            throw Error("option table: expected \"--name [VALUE]  help\": " + line);
        const std::string left = line.substr(2, gap - 2);
        Option o;
        const std::size_t space = left.find(' ');
        o.name = left.substr(0, space);
        o.takesValue = space != std::string::npos;
        o.valueName = o.takesValue ? left.substr(space + 1) : std::string();
        o.help = line.substr(line.find_first_not_of(' ', gap));
        out.push_back(std::move(o));
    }
    return out;
}

std::vector<std::string> splitList(const std::string &list)
{
    std::vector<std::string> out;
    std::stringstream ss(list);
    std::string item;
    while (std::getline(ss, item, ','))
        if (!item.empty())
            out.push_back(item);
    return out;
}

Args::Args(std::string command, std::string positionalHelp, std::vector<OptionGroup> groups,
           CommandDefaults defaults)
    : m_command(std::move(command)), m_positionalHelp(std::move(positionalHelp)),
      m_defaults(defaults)
{
    groups.push_back(commonOptions());
    for (const OptionGroup &g : groups)
        for (const Option &o : g) {
            if (find(o.name))
                throw Error("lieq " + m_command + ": option --" + o.name + " is declared twice");
            m_options.push_back(o);
        }
}

const Option *Args::find(const std::string &name) const
{
    for (const auto &o : m_options)
        if (o.name == name)
            return &o;
    return nullptr;
}

void Args::parse(const std::vector<std::string> &argv)
{
    m_arguments = argv;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const std::string &a = argv[i];
        if (a.size() <= 2 || a.compare(0, 2, "--") != 0) {
            m_positionals.push_back(a);
            continue;
        }
        std::string name = a.substr(2);
        std::optional<std::string> inlineValue;
        if (const auto eq = name.find('='); eq != std::string::npos) {
            inlineValue = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        const Option *option = find(name);
        if (!option)
            fail("unknown option --" + name + " (lieq " + m_command + " --help lists them)");
        if (!option->takesValue) {
            if (inlineValue)
                fail("option --" + name + " takes no value");
            m_values[name].push_back("1");
        } else if (inlineValue) {
            m_values[name].push_back(*inlineValue);
        } else {
            if (i + 1 >= argv.size())
                fail("option --" + name + " needs a value");
            m_values[name].push_back(argv[++i]);
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
        if (used == v.size())
            return r;
    } catch (const std::exception &) {
    }
    fail("--" + name + " expects an integer, got '" + v + "'");
}

double Args::doubleValue(const std::string &name, double fallback) const
{
    if (!has(name))
        return fallback;
    const std::string v = value(name);
    try {
        std::size_t used = 0;
        const double r = std::stod(v, &used);
        if (used == v.size())
            return r;
    } catch (const std::exception &) {
    }
    fail("--" + name + " expects a number, got '" + v + "'");
}

std::string Args::positional(std::size_t i, const std::string &what) const
{
    if (i >= m_positionals.size())
        fail("missing " + what + "\n" + usage());
    return m_positionals[i];
}

std::string Args::required(const std::string &name) const
{
    if (!has(name)) {
        const Option *o = find(name);
        fail("--" + name + (o && o->takesValue ? " " + o->valueName : std::string()) +
             " is required" + (o ? " (" + o->help + ")" : std::string()));
    }
    return value(name);
}

void Args::fail(const std::string &message) const
{
    throw Error("lieq " + m_command + ": " + message);
}

std::string Args::usage() const
{
    std::ostringstream os;
    os << "usage: lieq " << m_command << (m_positionalHelp.empty() ? "" : " " + m_positionalHelp)
       << " [options]\n";
    for (const auto &o : m_options) {
        std::string left = "  --" + o.name + (o.takesValue ? " " + o.valueName : "");
        if (left.size() < 28)
            left.resize(28, ' ');
        os << left << " " << o.help << "\n";
    }
    return os.str();
}

CommonOptions Args::common() const
{
    CommonOptions c;
    c.store = (m_defaults.store || has("store")) && !has("no-store");
    c.storePath = value("store");
    c.json = has("json");
    c.quiet = has("quiet") || has("no-progress");
    c.threads = static_cast<int>(intValue("threads", m_defaults.threads));
    if (has("threads") && c.threads < 0)
        fail("--threads must be 0 (all cores) or more");
    c.device = value("device", "auto");
    return c;
}

jobs::JobContext Args::jobContext(TerminalProgress &bar) const
{
    const CommonOptions c = common();
    jobs::JobContext ctx;
    ctx.progress = bar.callback();
    ctx.store.enabled = c.store;
    ctx.store.path = c.storePath;
    ctx.threads = c.threads;
    ctx.device = c.device;
    ctx.streamLayers = has("stream");
    return ctx;
}

} // namespace lieq::cli
