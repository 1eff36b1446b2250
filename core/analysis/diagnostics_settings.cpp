#include "core/analysis/diagnostics_settings.h"

#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace lieq::analysis {

namespace {
// Bump when a change to the algorithm changes numbers, so old stored runs are not reused.
constexpr int kAlgorithmVersion = 1;
} // namespace

std::string DiagnosticsSettings::metricsList() const
{
    std::string s;
    auto add = [&s](bool on, const char *name) {
        if (!on)
            return;
        if (!s.empty())
            s += ',';
        s += name;
    };
    add(dppl, "dppl");
    add(compact, "compact");
    add(energy, "energy");
    return s;
}

void DiagnosticsSettings::setMetrics(const std::string &list)
{
    dppl = compact = energy = false;
    std::size_t pos = 0;
    while (pos <= list.size()) {
        std::size_t end = list.find(',', pos);
        if (end == std::string::npos)
            end = list.size();
        std::string item = list.substr(pos, end - pos);
        item.erase(0, item.find_first_not_of(' '));
        item.erase(item.find_last_not_of(' ') + 1);
        pos = end + 1;
        if (item.empty())
            continue;
        if (item == "dppl")
            dppl = true;
        else if (item == "compact" || item == "dr")
            compact = true;
        else if (item == "energy" || item == "dE")
            energy = true;
        else
            throw Error("unknown metric \"" + item + "\" (expected dppl, compact, energy)");
    }
    if (!dppl && !compact && !energy)
        throw Error("no metric selected (expected a list of dppl, compact, energy)");
}

std::string DiagnosticsSettings::variant() const
{
    return perHead ? "proj-mean+heads-qkv" : "proj-mean";
}

std::int64_t topKFor(std::int64_t rank, double frac)
{
    if (rank <= 0)
        return 0;
    const auto k = static_cast<std::int64_t>(std::llround(frac * static_cast<double>(rank)));
    return std::clamp<std::int64_t>(k, 1, rank);
}

std::string diagnosticsSettingsJson(const CalibrationSpec &calibration,
                                    const DiagnosticsSettings &settings, double resolvedInitStd)
{
    nlohmann::json j;
    j["algorithm"] = kAlgorithmVersion;
    j["metrics"] = settings.metricsList();
    j["samples"] = calibration.samples;
    j["seqlen"] = calibration.seqlen;
    j["calibration_seed"] = calibration.seed;
    j["field"] = calibration.field;
    if (settings.spectral()) {
        j["init_seed"] = settings.initSeed;
        j["init_std"] = resolvedInitStd;
        j["topk_frac"] = settings.topKFrac;
        j["variant"] = settings.variant();
    }
    return j.dump(); // nlohmann::json objects keep keys sorted
}

} // namespace lieq::analysis
