#include "core/alloc/plan_report.h"

#include "core/alloc/plan_json.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

namespace lieq::alloc {

// A size estimate in JSON is its fields under their own names, in this order. The body is what
// NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE writes; that macro itself serves only nlohmann::json (sorted
// keys) before nlohmann 3.11.3, and the report keeps the order with ordered_json.
void to_json(nlohmann::ordered_json &nlohmann_json_j, const SizeEstimate &nlohmann_json_t)
{
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(NLOHMANN_JSON_TO, format, nominalBits, effectiveBits,
                                             storedBits, linearBytes, otherBytes, totalBytes,
                                             approximate, tensorTypes))
}

std::string formatBytes(std::uint64_t bytes)
{
    const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = double(bytes);
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.2f %s", v, units[u]);
    return buf;
}

std::string formatPlanTable(const BitPlan &plan, const std::vector<SizeEstimate> &sizes)
{
    std::ostringstream os;
    char line[160];
    std::snprintf(line, sizeof line, "%-6s %-8s %12s %14s %5s\n", "layer", "group", "score",
                  "params", "bits");
    os << line;
    for (const PlanUnit &u : plan.units) {
        std::snprintf(line, sizeof line, "%-6d %-8s %12.6g %14lld %5d%s\n", u.layer,
                      u.group.empty() ? "all" : u.group.c_str(), u.score,
                      static_cast<long long>(u.params), u.bits, u.pinned ? "  (pinned)" : "");
        os << line;
    }
    std::snprintf(line, sizeof line,
                  "\nmethod %s, budget %.4g bits, nominal %.4f bits over %lld decoder-linear "
                  "weights\n",
                  plan.method.c_str(), plan.budget, plan.nominalBits(),
                  static_cast<long long>(plan.totalParams()));
    os << line;
    for (const SizeEstimate &s : sizes) {
        std::snprintf(line, sizeof line,
                      "%-5s effective %.4f bits, stored %.4f bits, linears %s, total %s%s\n",
                      s.format.c_str(), s.effectiveBits, s.storedBits,
                      formatBytes(s.linearBytes).c_str(), formatBytes(s.totalBytes).c_str(),
                      s.approximate ? " (approximate: no projection shapes)" : "");
        os << line;
    }
    return os.str();
}

std::string planReportJson(const BitPlan &plan, const std::vector<SizeEstimate> &sizes)
{
    nlohmann::ordered_json j;
    j["plan"] = nlohmann::ordered_json::parse(planToJson(plan));
    j["sizes"] = sizes;
    return j.dump(2) + "\n";
}

} // namespace lieq::alloc
