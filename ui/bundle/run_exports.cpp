#include "ui/bundle/run_exports.h"

#include "core/exchange/report_data.h"
#include "core/jobs/export_job.h"
#include "core/store/experiment_store.h"
#include "core/util/error.h"
#include "ui/bundle/bundle_writer.h"
#include "ui/report/report_writer.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>

namespace lieq::ui::bundle {

namespace {

using ojson = nlohmann::ordered_json;

std::string oneQuantRun(const RunExportRequest &r, const char *what)
{
    if (r.runs.size() != 1 || r.runs[0].kind != store::RunKind::Quant)
        throw Error(std::string(what) + " exports exactly one quantization run (q<N>), not " +
                    std::to_string(r.runs.size()) + " runs");
    return r.runs[0].text();
}

// One export row per run a report or bundle covers.
std::vector<store::ExportRecord> perRun(const std::vector<exchange::RunRef> &runs, const std::string &kind,
                                        const std::string &path, const std::string &summary)
{
    std::vector<store::ExportRecord> out;
    for (const exchange::RunRef &ref : runs) {
        store::ExportRecord r;
        r.kind = kind;
        r.path = path;
        (ref.kind == store::RunKind::Quant ? r.quantRunId : r.analysisRunId) = ref.id;
        r.summaryJson = summary;
        out.push_back(r);
    }
    return out;
}

std::string mb(std::uint64_t bytes)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f MB", double(bytes) / 1e6);
    return buf;
}

} // namespace

RunExportResult runExports(const RunExportRequest &request, const jobs::JobContext &context)
{
    if (request.runs.empty())
        throw Error("nothing to export: name at least one run");
    RunExportResult out;
    ojson summary = ojson::object();
    if (!request.ggufPath.empty()) {
        jobs::GgufExportRequest g;
        g.source = oneQuantRun(request, "GGUF");
        g.outPath = request.ggufPath;
        g.options = request.gguf;
        const auto r = jobs::runGgufExport(g, context);
        out.files.push_back(r.gguf.path);
        out.lines.push_back("GGUF " + r.gguf.path + ": " + mb(r.gguf.fileBytes) + ", " + std::to_string(r.gguf.exact) +
                            " linears exact, " + std::to_string(r.gguf.requantized) + " re-quantized");
        summary["gguf"] = ojson::parse(r.gguf.summaryJson());
    }
    if (!request.gptqDir.empty()) {
        const auto r = jobs::runGptqExport(oneQuantRun(request, "GPTQ"), request.gptqDir, request.gptq, context);
        out.files.push_back(r.gptq.dir);
        out.lines.push_back("GPTQ " + r.gptq.dir + " (" + r.gptq.checkpointFormat + ", " +
                            std::to_string(r.gptq.baseBits) + " bits base): " + mb(r.gptq.bytes));
        for (const auto &w : r.gptq.warnings)
            out.warnings.push_back("GPTQ: " + w);
        summary["gptq"] = ojson::parse(r.gptq.summaryJson());
    }
    const std::string storePath = context.storePath().empty() ? store::ExperimentStore::defaultPath() : context.storePath();
    if (!request.reportPdf.empty() || !request.reportHtml.empty()) {
        if (!std::filesystem::exists(storePath))
            throw Error(storePath, "no experiment store here");
        exchange::ReportOptions o;
        o.title = request.reportTitle;
        o.versions = request.versions;
        exchange::ReportData data;
        {
            store::ExperimentStore db(storePath, store::ExperimentStore::Access::ReadOnly);
            data = exchange::collectReport(db, request.runs, o);
        }
        int pages = 0;
        for (const std::string &f :
             report::writeReport(data, request.reportHtml, request.reportPdf, context.progress, &pages)) {
            out.files.push_back(f);
            out.lines.push_back("report " + f + (f == request.reportPdf ? " (" + std::to_string(pages) + " pages)" : ""));
        }
        std::vector<exchange::RunRef> covered;
        for (const auto &a : data.analyses)
            covered.push_back({store::RunKind::Analysis, a.detail.run.id});
        for (const auto &q : data.quantRuns)
            covered.push_back({store::RunKind::Quant, q.detail.run.id});
        std::vector<store::ExportRecord> rows;
        if (!request.reportHtml.empty())
            for (auto &r : perRun(covered, "report-html", request.reportHtml, ojson{{"title", data.title}}.dump()))
                rows.push_back(r);
        if (!request.reportPdf.empty())
            for (auto &r : perRun(covered, "report-pdf", request.reportPdf,
                                  ojson{{"title", data.title}, {"pages", pages}}.dump()))
                rows.push_back(r);
        jobs::recordExports(context, rows);
        summary["report"] = {{"pdf", request.reportPdf}, {"html", request.reportHtml}, {"pdf_pages", pages},
                             {"title", data.title}};
    }
    if (!request.bundlePath.empty()) {
        BundleRequest b;
        b.storePath = storePath;
        b.runs = request.runs;
        b.report = request.bundleReport;
        b.checkpoints = request.bundleCheckpoints;
        b.versions = request.versions;
        const BundleResult r = writeBundle(b, request.bundlePath, context.progress);
        out.files.push_back(r.path);
        out.lines.push_back("bundle " + r.path + ": " + std::to_string(r.files) + " files, " + mb(std::uint64_t(r.bytes)) +
                            ", sha256 " + r.sha256);
        const std::string s = ojson{{"files", r.files}, {"checkpoint_runs", r.checkpointRuns}}.dump();
        auto rows = perRun(request.runs, "bundle", r.path, s);
        for (auto &row : rows) {
            row.bytes = r.bytes;
            row.sha256 = r.sha256;
        }
        jobs::recordExports(context, rows);
        summary["bundle"] = {{"path", r.path}, {"bytes", r.bytes}, {"files", r.files}, {"sha256", r.sha256},
                             {"checkpoint_runs", r.checkpointRuns}};
    }
    out.summaryJson = summary.dump();
    return out;
}

} // namespace lieq::ui::bundle
