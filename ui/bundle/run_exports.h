#pragma once

#include "core/exchange/run_ref.h"
#include "core/export/gguf_quant_export.h"
#include "core/export/gptq_export.h"
#include "core/jobs/job_context.h"

#include <string>
#include <utility>
#include <vector>

namespace lieq::ui::bundle {

// Everything the Export dialog and `lieq export/report` can write from stored runs, in one
// request: a GGUF and a GPTQ checkpoint of one quantization run, a report (PDF and/or HTML)
// and a bundle of all the runs. Empty paths skip a format.
struct RunExportRequest
{
    std::vector<exchange::RunRef> runs;
    std::string ggufPath;                  // needs exactly one quantization run
    GgufQuantOptions gguf;
    std::string gptqDir;                   // needs exactly one quantization run
    GptqExportOptions gptq;
    std::string reportPdf, reportHtml;
    std::string reportTitle;
    std::string bundlePath;
    bool bundleReport = true;
    bool bundleCheckpoints = false;
    std::vector<std::pair<std::string, std::string>> versions; // for reports and bundles
};

struct RunExportResult
{
    std::vector<std::string> files;        // every file or folder written
    std::vector<std::string> lines;        // one human-readable line per output
    std::vector<std::string> warnings;     // e.g. runtimes that will refuse the GPTQ bit-widths
    std::string summaryJson = "{}";        // per output, for --json
};

// Writes the outputs in order (GGUF, GPTQ, report, bundle), each atomically, each recorded in
// the context's store (exports table) so History shows where it went. Progress and cancel go
// through context.progress; a cancel or failure leaves no partial file of the output being
// written (earlier outputs stay, recorded). Reports and bundles need a QGuiApplication.
RunExportResult runExports(const RunExportRequest &request, const jobs::JobContext &context);

} // namespace lieq::ui::bundle
