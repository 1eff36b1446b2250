// `lieq runs list|show|delete`: the experiment store's history from the command line.
#include "app/cli/command.h"
#include "core/jobs/run_history.h"
#include "core/store/experiment_store.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <set>

namespace {

using lieq::cli::Args;
using namespace lieq::store;
using ojson = nlohmann::ordered_json;

const char *kUsage =
    "usage: lieq runs list   [--store PATH] [--model M] [--dataset ID] [--kind analysis|quant]\n"
    "                        [--backend B] [--status S] [--limit N] [--offset N] [--json]\n"
    "       lieq runs show   ID [--store PATH] [--json]\n"
    "       lieq runs delete ID [--store PATH]\n"
    "ID is an analysis run number (12 or a12) or a quantization run (q12).\n"
    "The store is --store, else $LIEQ_STORE, else the user's data folder.\n";

struct RunRef
{
    RunKind kind = RunKind::Analysis;
    std::int64_t id = 0;
};

RunRef parseRef(const std::string &text)
{
    RunRef r;
    std::string digits = text;
    if (!digits.empty() && (digits[0] == 'q' || digits[0] == 'a')) {
        r.kind = digits[0] == 'q' ? RunKind::Quant : RunKind::Analysis;
        digits.erase(0, 1);
    }
    std::size_t used = 0;
    try {
        r.id = std::stoll(digits, &used);
    } catch (const std::exception &) {
        used = 0;
    }
    if (digits.empty() || used != digits.size() || r.id <= 0)
        throw lieq::Error("lieq runs: '" + text + "' is not a run id (e.g. 12, a12 or q3)");
    return r;
}

std::string refText(RunKind kind, std::int64_t id)
{
    return (kind == RunKind::Quant ? "q" : "") + std::to_string(id);
}

std::string timeText(std::optional<std::int64_t> ms)
{
    if (!ms)
        return "-";
    const std::time_t t = static_cast<std::time_t>(*ms / 1000);
    std::tm tm{};
    localtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

std::string secondsText(double s)
{
    if (std::isnan(s))
        return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1fs", s);
    return buf;
}

ojson numberOrNull(double v) { return std::isnan(v) ? ojson(nullptr) : ojson(v); }

ojson optionalJson(const std::optional<std::int64_t> &v) { return v ? ojson(*v) : ojson(nullptr); }

ojson parsedOrText(const std::string &json)
{
    try {
        return ojson::parse(json);
    } catch (const std::exception &) {
        return json;
    }
}

std::string storePath(const Args &args) { return args.value("store", ExperimentStore::defaultPath()); }

// The history is read and changed through core/jobs; the store file is --store or the default.
lieq::jobs::JobContext historyContext(const Args &args)
{
    lieq::jobs::JobContext c;
    c.store.path = storePath(args);
    return c;
}

int listRuns(const Args &args)
{
    const std::string path = storePath(args);
    RunFilter f;
    f.model = args.value("model");
    if (args.has("dataset"))
        f.datasetId = args.intValue("dataset", 0);
    if (args.has("kind"))
        f.kind = runKindFromString(args.value("kind"));
    f.backend = args.value("backend");
    if (args.has("status"))
        f.status = runStatusFromString(args.value("status"));
    f.limit = static_cast<int>(args.intValue("limit", 50));
    f.offset = static_cast<int>(args.intValue("offset", 0));

    const RunPage page = lieq::jobs::listRuns(historyContext(args), f);
    if (args.common().json) {
        ojson runs = ojson::array();
        for (const RunSummary &r : page.runs)
            runs.push_back({{"id", refText(r.kind, r.id)}, {"kind", runKindName(r.kind)},
                            {"number", r.id}, {"status", runStatusName(r.status)},
                            {"model_id", r.modelId}, {"model", r.modelName},
                            {"model_path", r.modelPath}, {"dataset_id", optionalJson(r.datasetId)},
                            {"dataset_path", r.datasetPath}, {"backend", r.backend},
                            {"plan_id", optionalJson(r.planId)}, {"layers", r.layerRows},
                            {"wall_seconds", numberOrNull(r.wallSeconds)},
                            {"created_ms", r.createdAtMs}, {"finished_ms", optionalJson(r.finishedAtMs)},
                            {"error", r.errorText}});
        const ojson out{{"store", path}, {"total", page.total}, {"offset", f.offset}, {"runs", runs}};
        std::printf("%s\n", out.dump(2).c_str());
        return 0;
    }
    if (page.runs.empty()) {
        std::printf("no runs%s in %s\n", page.total ? " on this page" : "", path.c_str());
        return 0;
    }
    std::printf("%-6s %-8s %-11s %-20s %-8s %6s %8s  %-19s\n", "ID", "KIND", "STATUS", "MODEL",
                "BACKEND", "LAYERS", "WALL", "CREATED");
    for (const RunSummary &r : page.runs) {
        std::printf("%-6s %-8s %-11s %-20.20s %-8.8s %6lld %8s  %-19s\n", refText(r.kind, r.id).c_str(),
                    runKindName(r.kind).c_str(), runStatusName(r.status).c_str(), r.modelName.c_str(),
                    r.backend.c_str(), static_cast<long long>(r.layerRows),
                    secondsText(r.wallSeconds).c_str(), timeText(r.createdAtMs).c_str());
        if (!r.errorText.empty())
            std::printf("       %s\n", r.errorText.c_str());
    }
    std::printf("%zu of %lld run(s), from %d; store %s\n", page.runs.size(),
                static_cast<long long>(page.total), f.offset, path.c_str());
    return 0;
}

ojson analysisJson(const AnalysisRunDetail &d)
{
    // Layers as one object per layer with a key per metric: what a chart or pandas wants.
    std::map<int, ojson> layers;
    for (const LayerMetric &m : d.layers) {
        auto &row = layers[m.layer];
        row["layer"] = m.layer;
        row[m.metric] = numberOrNull(m.value);
    }
    ojson layerArray = ojson::array();
    for (auto &[l, row] : layers)
        layerArray.push_back(row);
    ojson projections = ojson::array();
    for (const ProjectionMetric &p : d.projections)
        projections.push_back({{"layer", p.layer}, {"projection", p.projection}, {"metric", p.metric},
                               {"head", p.head ? ojson(*p.head) : ojson(nullptr)},
                               {"value", numberOrNull(p.value)}});
    return {{"id", refText(RunKind::Analysis, d.run.id)}, {"kind", "analysis"},
            {"status", runStatusName(d.run.status)}, {"error", d.run.errorText},
            {"backend", d.run.backend}, {"seed", optionalJson(d.run.seed)},
            {"settings", parsedOrText(d.run.settingsJson)}, {"settings_hash", d.run.settingsHash},
            {"timings", parsedOrText(d.run.timingsJson)}, {"wall_seconds", numberOrNull(d.run.wallSeconds)},
            {"created_ms", d.run.createdAtMs}, {"finished_ms", optionalJson(d.run.finishedAtMs)},
            {"model", {{"id", d.model.id}, {"name", d.model.name}, {"path", d.model.path},
                       {"fingerprint", d.model.fingerprint}, {"architecture", d.model.architecture},
                       {"layers", d.model.layerCount}, {"params", d.model.paramCount},
                       {"dtype", d.model.dtype}, {"bytes", d.model.bytes}}},
            {"dataset", {{"id", d.dataset.id}, {"path", d.dataset.path}, {"kind", d.dataset.kind},
                         {"content_hash", d.dataset.contentHash}, {"bytes", d.dataset.bytes}}},
            {"layers", layerArray}, {"projections", projections}};
}

ojson quantJson(const QuantRunDetail &d)
{
    ojson losses = ojson::array();
    for (const ModuleLoss &l : d.losses)
        losses.push_back({{"layer", l.layer}, {"module", l.module},
                          {"bits", l.bits ? ojson(*l.bits) : ojson(nullptr)},
                          {"loss", numberOrNull(l.loss)}, {"seconds", numberOrNull(l.seconds)}});
    return {{"id", refText(RunKind::Quant, d.run.id)}, {"kind", "quant"},
            {"status", runStatusName(d.run.status)}, {"error", d.run.errorText},
            {"method", d.run.method}, {"model_id", d.run.modelId},
            {"dataset_id", optionalJson(d.run.datasetId)}, {"seed", optionalJson(d.run.seed)},
            {"settings", parsedOrText(d.run.settingsJson)}, {"timings", parsedOrText(d.run.timingsJson)},
            {"wall_seconds", numberOrNull(d.run.wallSeconds)}, {"output_path", d.run.outputPath},
            {"output_bytes", d.run.outputBytes}, {"created_ms", d.run.createdAtMs},
            {"finished_ms", optionalJson(d.run.finishedAtMs)},
            {"plan", {{"id", d.plan.id}, {"name", d.plan.name}, {"method", d.plan.method},
                      {"budget_bits", d.plan.budgetBits}, {"bits", parsedOrText(d.plan.bitsJson)},
                      {"nominal_bits", numberOrNull(d.plan.nominalBits)},
                      {"effective_bits", numberOrNull(d.plan.effectiveBits)}}},
            {"module_losses", losses}};
}

void printAnalysis(const AnalysisRunDetail &d)
{
    std::printf("analysis run %lld: %s%s%s\n", static_cast<long long>(d.run.id),
                runStatusName(d.run.status).c_str(), d.run.errorText.empty() ? "" : " - ",
                d.run.errorText.c_str());
    std::printf("  model    %s (%s, %lld layers, %lld params)\n", d.model.path.c_str(),
                d.model.architecture.c_str(), static_cast<long long>(d.model.layerCount),
                static_cast<long long>(d.model.paramCount));
    std::printf("  data     %s (%s)\n", d.dataset.path.c_str(), d.dataset.kind.c_str());
    std::printf("  backend  %s, seed %s, wall %s\n", d.run.backend.c_str(),
                d.run.seed ? std::to_string(*d.run.seed).c_str() : "-",
                secondsText(d.run.wallSeconds).c_str());
    std::printf("  settings %s\n  timings  %s\n", d.run.settingsJson.c_str(), d.run.timingsJson.c_str());
    std::printf("  created  %s, finished %s\n", timeText(d.run.createdAtMs).c_str(),
                timeText(d.run.finishedAtMs).c_str());
    std::set<std::string> metricNames;
    std::map<int, std::map<std::string, double>> table;
    for (const LayerMetric &m : d.layers) {
        metricNames.insert(m.metric);
        table[m.layer][m.metric] = m.value;
    }
    if (table.empty()) {
        std::printf("  no layer metrics stored\n");
    } else {
        std::printf("\n%6s", "layer");
        for (const auto &n : metricNames)
            std::printf(" %12.12s", n.c_str());
        std::printf("\n");
        for (const auto &[layer, row] : table) {
            std::printf("%6d", layer);
            for (const auto &n : metricNames) {
                const auto it = row.find(n);
                if (it == row.end() || std::isnan(it->second))
                    std::printf(" %12s", "-");
                else
                    std::printf(" %12.6g", it->second);
            }
            std::printf("\n");
        }
    }
    std::printf("%zu projection metric row(s) (use --json to see them)\n", d.projections.size());
}

void printQuant(const QuantRunDetail &d)
{
    std::printf("quantization run q%lld: %s%s%s\n", static_cast<long long>(d.run.id),
                runStatusName(d.run.status).c_str(), d.run.errorText.empty() ? "" : " - ",
                d.run.errorText.c_str());
    std::printf("  method   %s, settings %s\n", d.run.method.c_str(), d.run.settingsJson.c_str());
    std::printf("  plan     %lld '%s' (%s, budget %.3g bits, bits %s)\n",
                static_cast<long long>(d.plan.id), d.plan.name.c_str(), d.plan.method.c_str(),
                d.plan.budgetBits, d.plan.bitsJson.c_str());
    std::printf("  output   %s (%lld bytes), wall %s\n", d.run.outputPath.empty() ? "-" : d.run.outputPath.c_str(),
                static_cast<long long>(d.run.outputBytes), secondsText(d.run.wallSeconds).c_str());
    if (!d.losses.empty())
        std::printf("\n%6s %-12s %5s %12s\n", "layer", "module", "bits", "loss");
    for (const ModuleLoss &l : d.losses)
        std::printf("%6d %-12s %5s %12.6g\n", l.layer, l.module.c_str(),
                    l.bits ? std::to_string(*l.bits).c_str() : "-", l.loss);
}

int showRun(const Args &args)
{
    const RunRef ref = parseRef(args.positional(1, "ID"));
    const std::string path = storePath(args);
    if (!std::filesystem::exists(path))
        throw lieq::Error(path, "no experiment store here");
    const bool json = args.common().json;
    if (ref.kind == RunKind::Analysis) {
        const AnalysisRunDetail d = lieq::jobs::loadAnalysisRun(historyContext(args), ref.id);
        if (json)
            std::printf("%s\n", analysisJson(d).dump(2).c_str());
        else
            printAnalysis(d);
    } else {
        const QuantRunDetail d = lieq::jobs::loadQuantRun(historyContext(args), ref.id).detail;
        if (json)
            std::printf("%s\n", quantJson(d).dump(2).c_str());
        else
            printQuant(d);
    }
    return 0;
}

int deleteRun(const Args &args)
{
    const RunRef ref = parseRef(args.positional(1, "ID"));
    const std::string path = storePath(args);
    if (!std::filesystem::exists(path))
        throw lieq::Error(path, "no experiment store here");
    if (!lieq::jobs::deleteRun(historyContext(args), ref.kind, ref.id))
        throw lieq::Error(path, "no " + std::string(ref.kind == RunKind::Analysis ? "analysis" : "quantization") +
                                    " run " + refText(ref.kind, ref.id));
    std::printf("deleted %s run %s and its rows\n", runKindName(ref.kind).c_str(),
                refText(ref.kind, ref.id).c_str());
    return 0;
}

int run(const Args &args)
{
    if (args.positionals().empty()) {
        std::printf("%s\n%s", kUsage, args.usage().c_str());
        return 2;
    }
    const std::string sub = args.positionals()[0];
    if (sub == "list")
        return listRuns(args);
    if (sub == "show")
        return showRun(args);
    if (sub == "delete")
        return deleteRun(args);
    args.fail("unknown action '" + sub + "' (list, show or delete)");
}

const lieq::cli::CommandRegistration reg(run, R"(
lieq runs list|show ID|delete ID
list, show and delete stored experiment runs
--model M           list: model name/path substring or fingerprint prefix
--dataset ID        list: dataset id
--kind KIND         list: analysis or quant
--backend B         list: analysis backend or quantization method
--status S          list: running, done, failed, cancelled, interrupted
--limit N           list: rows per page (default 50, 0 = all)
--offset N          list: rows to skip
)",
    {},
    std::string("\n") + kUsage);

} // namespace
