#pragma once

#include "core/util/progress.h"

#include <QByteArray>

#include <string>
#include <vector>

namespace lieq::exchange {
struct ReportData;
}

namespace lieq::ui::report {

// Renders a report with QtGui alone (QPainter charts, QTextDocument, QPdfWriter), so it runs
// headless under the offscreen platform: a self-contained HTML file (charts embedded as PNG)
// and an A4 PDF with page numbers. Needs a QGuiApplication.
struct RenderedReport
{
    QByteArray html;
    QByteArray pdf;
    int pdfPages = 0;
};

// Progress stages "report charts" and "report pdf"; false cancels (lieq::Cancelled).
RenderedReport renderReport(const exchange::ReportData &data, bool html, bool pdf,
                            const ProgressFn &progress = {});

// Renders and writes the requested files, each atomically (a temporary name renamed at the
// end); an empty path skips that format. Returns the files written. Throws lieq::Error
// naming the file (full disk, missing folder) and lieq::Cancelled; nothing partial remains.
std::vector<std::string> writeReport(const exchange::ReportData &data, const std::string &htmlPath,
                                     const std::string &pdfPath, const ProgressFn &progress = {},
                                     int *pdfPages = nullptr);

} // namespace lieq::ui::report
