#pragma once

#include <QString>

#include <functional>

namespace lieq::exchange {
struct ReportData;
struct ResultsTable;
}

namespace lieq::ui::report {

// The report as HTML, one text for both outputs: the browser file (CSS, images as data: URIs)
// and the PDF (Qt's rich-text subset laid out by QTextDocument, images as resources).
// `imageSource(chartId)` gives the <img src> of each chart (see report_charts.h).
enum class HtmlFlavor { Browser, QtRichText };

QString reportHtml(const exchange::ReportData &data, const exchange::ResultsTable &table,
                   const std::function<QString(const QString &chartId)> &imageSource, HtmlFlavor flavor);

} // namespace lieq::ui::report
