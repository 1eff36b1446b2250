#include "ui/report/report_writer.h"

#include "core/exchange/report_data.h"
#include "core/exchange/results_table.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "ui/report/chart_painter.h"
#include "ui/report/report_charts.h"
#include "ui/report/report_document.h"

#include <QBuffer>
#include <QGuiApplication>
#include <QMap>
#include <QPageLayout>
#include <QPdfWriter>
#include <QTextDocument>
#include <QUrl>

#include <memory>

namespace lieq::ui::report {

namespace {

QSize chartSize(const QString &id)
{
    return id.endsWith(QStringLiteral("-scatter")) || id == QStringLiteral("ppl-bits") ? QSize(600, 420)
                                                                                       : QSize(720, 300);
}

int countPages(const QByteArray &pdf)
{
    int n = 0;
    for (qsizetype at = pdf.indexOf("/Type /Page"); at >= 0; at = pdf.indexOf("/Type /Page", at + 1))
        if (pdf.mid(at + 11, 1) != "s")
            ++n;
    return n;
}

} // namespace

RenderedReport renderReport(const exchange::ReportData &data, bool html, bool pdf, const ProgressFn &progress)
{
    if (!qobject_cast<QGuiApplication *>(QCoreApplication::instance()))
        throw Error("rendering a report needs a QGuiApplication (run with QT_QPA_PLATFORM=offscreen when headless)");
    const exchange::ResultsTable table = exchange::buildResultsTable(data);
    std::vector<ReportChart> charts;
    for (const auto &a : data.analyses)
        for (auto &c : analysisCharts(a))
            charts.push_back(std::move(c));
    for (auto &c : comparisonCharts(data, table))
        charts.push_back(std::move(c));
    QMap<QString, QImage> images;
    for (std::size_t i = 0; i < charts.size(); ++i) {
        reportProgress(progress, {"report charts", std::int64_t(i), std::int64_t(charts.size()), {}});
        images.insert(charts[i].id, ChartPainter(charts[i].spec).image(chartSize(charts[i].id)));
    }
    RenderedReport out;
    if (html) {
        const QString text = reportHtml(
            data, table,
            [&](const QString &id) -> QString {
                QByteArray png;
                QBuffer buf(&png);
                buf.open(QIODevice::WriteOnly);
                images.value(id).save(&buf, "PNG");
                QString src = QStringLiteral("data:image/png;base64,");
                src.append(QLatin1String(png.toBase64()));
                return src;
            },
            HtmlFlavor::Browser);
        out.html = text.toUtf8();
    }
    if (pdf) {
        reportProgress(progress, {"report pdf", 0, 1, {}});
        QTextDocument doc;
        QFont font(QStringLiteral("DejaVu Sans"));
        font.setPointSizeF(8.5);
        doc.setDefaultFont(font);
        for (auto it = images.cbegin(); it != images.cend(); ++it)
            doc.addResource(QTextDocument::ImageResource, QUrl(QStringLiteral("chart:") + it.key()), it.value());
        doc.setHtml(reportHtml(data, table, [](const QString &id) -> QString { return QStringLiteral("chart:") + id; },
                               HtmlFlavor::QtRichText));
        QBuffer buf(&out.pdf);
        buf.open(QIODevice::WriteOnly);
        QPdfWriter writer(&buf);
        writer.setTitle(QString::fromStdString(data.title));
        writer.setCreator(QStringLiteral("LieQ Workbench"));
        writer.setPageLayout(QPageLayout(QPageSize(QPageSize::A4), QPageLayout::Portrait, QMarginsF(16, 14, 16, 14),
                                         QPageLayout::Millimeter));
        writer.setResolution(300);
        doc.print(&writer);
        buf.close();
        out.pdfPages = countPages(out.pdf);
        reportProgress(progress, {"report pdf", 1, 1, {}});
    }
    return out;
}

std::vector<std::string> writeReport(const exchange::ReportData &data, const std::string &htmlPath,
                                     const std::string &pdfPath, const ProgressFn &progress, int *pdfPages)
{
    const RenderedReport r = renderReport(data, !htmlPath.empty(), !pdfPath.empty(), progress);
    if (!pdfPath.empty() && r.pdf.isEmpty())
        throw Error(pdfPath, "the PDF writer produced no output");
    // Both temporaries exist before either is renamed: a bad second path leaves neither file.
    std::vector<std::pair<std::unique_ptr<AtomicFile>, const QByteArray *>> files;
    for (const auto &[path, bytes] : {std::pair{htmlPath, &r.html}, std::pair{pdfPath, &r.pdf}})
        if (!path.empty())
            files.emplace_back(std::make_unique<AtomicFile>(path), bytes);
    for (auto &[file, bytes] : files)
        file->write(bytes->constData(), std::size_t(bytes->size()));
    std::vector<std::string> written;
    for (auto &[file, bytes] : files) {
        file->commit();
        written.push_back(file->path());
    }
    if (pdfPages)
        *pdfPages = r.pdfPages;
    return written;
}

} // namespace lieq::ui::report
