#include "ui/exportlist.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace lieq::ui {

namespace {

QString tr(const char *s) { return QCoreApplication::translate("lieq::ui::ExportList", s); }

// The one line of a summary worth showing in a list.
QString headline(const store::ExportRecord &r)
{
    const QJsonObject s = QJsonDocument::fromJson(QByteArray::fromStdString(r.summaryJson)).object();
    if (r.kind == "gguf" && s.contains(QStringLiteral("tensors")))
        return tr("%1 linears exact, %2 re-quantized, %3 bits/weight")
            .arg(s.value(QStringLiteral("exact_linears")).toInt())
            .arg(s.value(QStringLiteral("requantized_linears")).toInt())
            .arg(s.value(QStringLiteral("linear_bits")).toDouble(), 0, 'f', 3);
    if (r.kind == "gptq")
        return s.value(QStringLiteral("checkpoint_format")).toString() + QStringLiteral(", ") +
               tr("%1 warnings").arg(s.value(QStringLiteral("warnings")).toArray().size());
    if (s.contains(QStringLiteral("pages")))
        return tr("%1 pages").arg(s.value(QStringLiteral("pages")).toInt());
    if (s.contains(QStringLiteral("files")))
        return tr("%1 files").arg(s.value(QStringLiteral("files")).toInt());
    return {};
}

} // namespace

QString exportsHtml(const QString &runLabel, const std::vector<store::ExportRecord> &exports)
{
    QString html = QStringLiteral("<p><b>%1</b></p>").arg(tr("Exports of %1").arg(runLabel.toHtmlEscaped()));
    if (exports.empty())
        return html + QStringLiteral("<p>") + tr("None yet.") + QStringLiteral("</p>");
    html += QStringLiteral("<table border=1 cellspacing=0 cellpadding=3><tr><th>%1</th><th>%2</th><th>%3</th>"
                           "<th>%4</th><th>%5</th><th>%6</th></tr>")
                .arg(tr("When"), tr("Kind"), tr("Where"), tr("Size"), tr("Details"), tr("Present"));
    for (const store::ExportRecord &r : exports) {
        const QString path = QString::fromStdString(r.path);
        const bool present = QFileInfo::exists(path);
        html += QStringLiteral("<tr><td>%1</td><td>%2</td><td>%3</td><td>%4</td><td>%5</td><td>%6</td></tr>")
                    .arg(QDateTime::fromMSecsSinceEpoch(r.createdAtMs).toString(QStringLiteral("yyyy-MM-dd HH:mm")),
                         QString::fromStdString(r.kind).toHtmlEscaped(), path.toHtmlEscaped(),
                         r.bytes > 0 ? QStringLiteral("%1 MB").arg(double(r.bytes) / 1e6, 0, 'f', 2) : QString(),
                         headline(r).toHtmlEscaped(), present ? tr("yes") : tr("moved or deleted"));
    }
    return html + QStringLiteral("</table>");
}

} // namespace lieq::ui
