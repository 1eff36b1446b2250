// `lieq report RUN... --pdf OUT.pdf --html OUT.html`: the report of stored runs, rendered
// headless (QtGui on the offscreen platform, no display needed).
#include "app/cli/command.h"
#include "app/cli/terminal_progress.h"
#include "core/util/error.h"
#include "lieq_version.h"
#include "ui/bundle/run_exports.h"
#include "ui/report/headless_gui.h"

#include <QGuiApplication>

#include <nlohmann/json.hpp>

#include <cstdio>

namespace {

using lieq::cli::Args;

int run(const Args &args)
{
    if (args.positionals().empty())
        args.fail("name at least one run (e.g. a3 q5)");
    const std::string pdf = args.value("pdf"), html = args.value("html");
    if (pdf.empty() && html.empty())
        args.fail("--pdf OUT.pdf and/or --html OUT.html is required");
    const auto common = args.common();
    lieq::cli::TerminalProgress bar(!common.quiet && !common.json);
    lieq::jobs::JobContext ctx = args.jobContext(bar);
    const auto gui = lieq::ui::report::ensureGuiApplication();
    lieq::ui::bundle::RunExportRequest req;
    req.runs = lieq::exchange::parseRunRefs(args.positionals());
    req.reportPdf = pdf;
    req.reportHtml = html;
    req.reportTitle = args.value("title");
    req.versions = {{"lieq", std::string(LIEQ_VERSION) + " (git " + LIEQ_GIT_HASH + ")"}, {"Qt", qVersion()}};
    const auto r = lieq::ui::bundle::runExports(req, ctx);
    bar.finish();
    if (common.json)
        std::printf("%s\n", nlohmann::json::parse(r.summaryJson).at("report").dump(2).c_str());
    else
        for (const auto &l : r.lines)
            std::printf("wrote %s\n", l.c_str());
    return 0;
}

const lieq::cli::CommandRegistration registration(run, R"(
lieq report RUN...
write the report of stored runs as PDF and/or HTML
--pdf OUT.pdf       write the report as an A4 PDF
--html OUT.html     write the report as one self-contained HTML file
--title TITLE       report title (default: LieQ report: <models>)
)",
    {},
    "\nRUN: an analysis run (a3 or 3) or a quantization run (q5); a quantization run brings the\n"
    "analysis its plan came from. The report holds the model and data summary, the dPPL/dr/dE\n"
    "curves, the dPPL-vs-dr scatter with Pearson/Spearman/Kendall and bootstrap intervals, the\n"
    "bit plans, the PPL/KL/accuracy table with a PPL-vs-bits chart, settings, timings and versions.\n");

} // namespace
