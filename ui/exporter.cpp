#include "ui/exporter.h"

#include "core/alloc/plan_json.h"
#include "core/alloc/plan_report.h"
#include "core/io/checkpoint.h"
#include "core/io/gguf_export.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <sstream>

namespace lieq::ui {

namespace {
nlohmann::json numberOrNull(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }
std::string csvNumber(double v)
{
    if (!std::isfinite(v))
        return {};
    std::ostringstream s;
    s.precision(10);
    s << v;
    return s.str();
}
} // namespace

std::vector<std::string> runExport(const ExportRequest &r, const lieq::ProgressFn &progress)
{
    namespace fs = std::filesystem;
    if (!fs::is_directory(r.directory))
        throw lieq::Error(r.directory, "export folder does not exist");
    const fs::path base = fs::path(r.directory) / r.baseName;
    std::vector<std::string> written;
    const int steps = int(r.planJson) + int(r.metricsJson) + int(r.metricsCsv) + int(r.ggufF16);
    int step = 0;
    auto next = [&](const std::string &what) { lieq::reportProgress(progress, {"export " + what, step++, steps, {}}); };

    if (r.planJson) {
        if (!r.plan)
            throw lieq::Error("no bit plan to export: open a model and set a budget first");
        next("plan");
        const std::string p = base.string() + ".plan.json";
        alloc::savePlan(*r.plan, p);
        written.push_back(p);
    }
    if (r.metricsJson) {
        next("metrics");
        nlohmann::json j;
        j["schema"] = "lieq.layermetrics";
        j["schemaVersion"] = 1;
        auto &layers = j["layers"] = nlohmann::json::array();
        for (const auto &l : r.layers)
            layers.push_back({{"layer", l.layer}, {"dppl", numberOrNull(l.dppl)}, {"dr", numberOrNull(l.dr)},
                              {"dE", numberOrNull(l.dE)}, {"params", l.params}, {"bits", l.bits},
                              {"pinnedBits", l.pinnedBits}});
        if (r.plan)
            j["planReport"] = nlohmann::json::parse(alloc::planReportJson(*r.plan, r.sizes));
        const std::string p = base.string() + ".metrics.json";
        lieq::writeFileAtomic(p, j.dump(2) + "\n");
        written.push_back(p);
    }
    if (r.metricsCsv) {
        next("csv");
        std::string csv = "layer,dppl,dr,dE,params,bits,pinned_bits\n";
        for (const auto &l : r.layers)
            csv += std::to_string(l.layer) + "," + csvNumber(l.dppl) + "," + csvNumber(l.dr) + "," + csvNumber(l.dE) +
                   "," + std::to_string(l.params) + "," + std::to_string(l.bits) + "," + std::to_string(l.pinnedBits) +
                   "\n";
        const std::string p = base.string() + ".metrics.csv";
        lieq::writeFileAtomic(p, csv);
        written.push_back(p);
    }
    if (r.ggufF16) {
        if (!r.checkpoint)
            throw lieq::Error("no model open to export as GGUF");
        next("gguf");
        lieq::GgufExportOptions o;
        o.type = lieq::GgmlType::F16;
        const std::string p = base.string() + ".f16.gguf";
        lieq::exportGguf(*r.checkpoint, p, o, progress);
        written.push_back(p);
    }
    lieq::reportProgress(progress, {"export", steps, steps, {}});
    return written;
}

} // namespace lieq::ui
