#include "ui/report/report_document.h"

#include "core/exchange/report_data.h"
#include "core/exchange/results_table.h"
#include "ui/report/report_charts.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringList>

#include <cmath>

namespace lieq::ui::report {

namespace {

using exchange::ReportData;

QString esc(const std::string &s) { return QString::fromStdString(s).toHtmlEscaped(); }

QString num(double v, int precision = 4)
{
    return std::isfinite(v) ? QString::number(v, 'g', precision) : QStringLiteral("–");
}

QString bytesText(std::int64_t b)
{
    if (b <= 0)
        return QStringLiteral("–");
    if (b >= 1000000)
        return QStringLiteral("%1 MB").arg(double(b) / 1e6, 0, 'f', 1);
    return QStringLiteral("%1 kB").arg(double(b) / 1e3, 0, 'f', 1);
}

QString timeText(std::int64_t ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms).toString(QStringLiteral("yyyy-MM-dd HH:mm"));
}

// "key: value" lines of a JSON object, nested keys joined with dots; long values shortened.
void flatten(const QJsonValue &v, const QString &prefix, QStringList &out)
{
    if (v.isObject()) {
        const QJsonObject o = v.toObject();
        for (auto it = o.begin(); it != o.end(); ++it)
            flatten(it.value(), prefix.isEmpty() ? it.key() : prefix + QLatin1Char('.') + it.key(), out);
        return;
    }
    // Stored timings are binary doubles (1.0851133360000002): six significant digits read as
    // the measurement they are; whole numbers (byte and token counts) stay exact.
    const double d = v.toDouble();
    QString text = v.isString()                                              ? v.toString()
                   : v.isDouble() && d == std::trunc(d) && std::abs(d) < 1e15 ? QString::number(qint64(d))
                   : v.isDouble()                                            ? QString::number(d, 'g', 6)
                                  : QString::fromUtf8(QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact))
                                        .mid(1).chopped(1);
    if (text.size() > 100)
        text = text.left(97) + QStringLiteral("…");
    out << prefix + QStringLiteral(": ") + text;
}

QString keyValues(const std::string &json)
{
    const QJsonDocument d = QJsonDocument::fromJson(QByteArray::fromStdString(json));
    QStringList lines;
    if (d.isObject())
        flatten(d.object(), {}, lines);
    else if (!json.empty() && json != "{}")
        lines << QString::fromStdString(json);
    if (lines.isEmpty())
        return QStringLiteral("–");
    for (QString &l : lines)
        l = l.toHtmlEscaped();
    return lines.join(QStringLiteral("<br>"));
}

class Builder
{
public:
    Builder(const ReportData &d, const exchange::ResultsTable &t,
            const std::function<QString(const QString &)> &img, HtmlFlavor flavor)
        : m_d(d), m_t(t), m_img(img), m_flavor(flavor)
    {
    }

    QString build()
    {
        head();
        summary();
        results();
        for (const auto &a : m_d.analyses)
            analysis(a);
        plans();
        settings();
        versions();
        m_h += QStringLiteral("</body></html>\n");
        return m_h;
    }

private:
    void head()
    {
        m_h += QStringLiteral("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>%1</title>")
                   .arg(esc(m_d.title));
        if (m_flavor == HtmlFlavor::Browser)
            m_h += QStringLiteral(
                "<style>body{font-family:'DejaVu Sans',sans-serif;max-width:60em;margin:2em auto;color:#222}"
                "table{border-collapse:collapse;margin:0.6em 0}td,th{border:1px solid #bbb;padding:3px 7px;"
                "text-align:right;vertical-align:top}th{background:#eef}td.l,th.l{text-align:left}"
                "img{max-width:100%}h2{border-bottom:2px solid #99c;margin-top:1.6em}.cap{color:#555;"
                "font-size:90%}.kv{text-align:left;font-family:monospace;font-size:85%}</style>");
        else
            m_h += QStringLiteral("<style>th{background-color:#e6e6f5} td,th{padding:2px}"
                                  " .cap{color:#555555} .kv{font-family:'DejaVu Sans Mono';font-size:7pt}</style>");
        m_h += QStringLiteral("</head><body>");
        m_h += QStringLiteral("<h1>%1</h1><p>Generated %2 from the experiment store %3 (schema %4).</p>")
                   .arg(esc(m_d.title), timeText(m_d.generatedAtMs), esc(m_d.storePath))
                   .arg(m_d.storeSchemaVersion);
    }

    QString tableOpen() const
    {
        return m_flavor == HtmlFlavor::Browser ? QStringLiteral("<table>")
                                               : QStringLiteral("<table border=\"1\" cellspacing=\"0\" cellpadding=\"3\">");
    }

    void section(const QString &title, bool newPage = false)
    {
        if (newPage && m_flavor == HtmlFlavor::QtRichText)
            m_h += QStringLiteral("<h2 style=\"page-break-before: always\">%1</h2>").arg(title);
        else
            m_h += QStringLiteral("<h2>%1</h2>").arg(title);
    }

    void chart(const ReportChart &c, int width)
    {
        m_h += QStringLiteral("<p><img src=\"%1\" width=\"%2\"><br><span class=\"cap\">%3</span></p>")
                   .arg(m_img(c.id))
                   .arg(width)
                   .arg(c.caption.toHtmlEscaped());
    }

    void summary()
    {
        section(QStringLiteral("Models and data"));
        m_h += tableOpen() + QStringLiteral("<tr><th class=\"l\">Model</th><th class=\"l\">Architecture</th><th>Layers</th>"
                                            "<th>Parameters</th><th>dtype</th><th>Size</th><th class=\"l\">Fingerprint</th></tr>");
        for (const auto &m : m_d.models)
            m_h += QStringLiteral("<tr><td class=\"l\">%1<br><small>%2</small></td><td class=\"l\">%3</td><td>%4</td>"
                                  "<td>%5 M</td><td>%6</td><td>%7</td><td class=\"l\">%8…</td></tr>")
                       .arg(esc(m.name), esc(m.path), esc(m.architecture))
                       .arg(m.layerCount)
                       .arg(double(m.paramCount) / 1e6, 0, 'f', 2)
                       .arg(esc(m.dtype), bytesText(m.bytes), esc(m.fingerprint.substr(0, 12)));
        m_h += QStringLiteral("</table>");
        if (m_d.datasets.empty())
            return;
        m_h += tableOpen() + QStringLiteral("<tr><th class=\"l\">Data</th><th class=\"l\">Kind</th><th>Size</th>"
                                            "<th class=\"l\">SHA-256</th></tr>");
        for (const auto &d : m_d.datasets)
            m_h += QStringLiteral("<tr><td class=\"l\">%1</td><td class=\"l\">%2</td><td>%3</td><td class=\"l\">%4…</td></tr>")
                       .arg(esc(d.path), esc(d.kind), bytesText(d.bytes), esc(d.contentHash.substr(0, 16)));
        m_h += QStringLiteral("</table>");
    }

    void analysis(const exchange::ReportAnalysis &a)
    {
        const auto &r = a.detail.run;
        section(QStringLiteral("Layer diagnostics — analysis run a%1").arg(r.id), true);
        m_h += QStringLiteral("<p>Model %1, data %2, backend %3, status %4, %5 layers.</p>")
                   .arg(esc(a.detail.model.name), esc(a.detail.dataset.path), esc(r.backend),
                        esc(store::runStatusName(r.status)))
                   .arg(a.layers.size());
        const auto charts = analysisCharts(a);
        for (std::size_t i = 0; i < 3; ++i)
            chart(charts[i], 620);
        chart(charts[3], 560);
        if (a.correlations.empty()) {
            m_h += QStringLiteral("<p>No correlation: %1.</p>").arg(esc(a.correlationNote));
            return;
        }
        m_h += QStringLiteral("<p><b>dPPL vs dr across layers</b></p>") + tableOpen() +
               QStringLiteral("<tr><th class=\"l\">Statistic</th><th>Coefficient</th><th>p-value</th><th>p method</th>"
                              "<th>95% bootstrap CI</th><th>n</th></tr>");
        for (const auto &c : a.correlations) {
            const QString ci = c.ci.resamples > 0 ? QStringLiteral("[%1, %2] (%3 resamples)")
                                                        .arg(num(c.ci.low, 3), num(c.ci.high, 3))
                                                        .arg(c.ci.validResamples)
                                                  : QStringLiteral("–");
            m_h += QStringLiteral("<tr><td class=\"l\">%1</td><td>%2</td><td>%3</td><td>%4</td><td>%5</td><td>%6</td></tr>")
                       .arg(esc(analysis::correlationMethodName(c.method)), num(c.value.coefficient, 4),
                            num(c.value.pValue, 3), esc(c.value.pMethod), ci)
                       .arg(c.value.n);
        }
        m_h += QStringLiteral("</table>");
    }

    void plans()
    {
        if (m_d.quantRuns.empty())
            return;
        section(QStringLiteral("Bit plans"), true);
        for (const auto &c : comparisonCharts(m_d, m_t))
            if (c.id == QLatin1String("bits"))
                chart(c, 600);
        m_h += tableOpen() + QStringLiteral("<tr><th>Layer</th>");
        std::size_t layers = 0;
        for (const auto &q : m_d.quantRuns) {
            m_h += QStringLiteral("<th>q%1 %2</th>").arg(q.detail.run.id).arg(esc(q.detail.run.method));
            layers = std::max(layers, q.layerBitsText.size());
        }
        m_h += QStringLiteral("</tr>");
        auto row = [&](const QString &label, const std::function<QString(const exchange::ReportQuantRun &)> &cell) {
            m_h += QStringLiteral("<tr><td class=\"l\">%1</td>").arg(label);
            for (const auto &q : m_d.quantRuns)
                m_h += QStringLiteral("<td>%1</td>").arg(cell(q));
            m_h += QStringLiteral("</tr>");
        };
        row(QStringLiteral("plan"), [](const auto &q) -> QString {
            return esc(q.detail.plan.method) + QStringLiteral(", budget ") + num(q.detail.plan.budgetBits);
        });
        row(QStringLiteral("average bits"), [](const auto &q) -> QString { return num(q.detail.plan.nominalBits); });
        for (std::size_t l = 0; l < layers; ++l)
            row(QString::number(l), [l](const auto &q) -> QString {
                return l < q.layerBitsText.size() ? esc(q.layerBitsText[l]) : QStringLiteral("–");
            });
        m_h += QStringLiteral("</table>");
    }

    void results()
    {
        section(QStringLiteral("Results"));
        if (m_t.rows.empty()) {
            m_h += QStringLiteral("<p>No evaluation results are stored for these runs.</p>");
        } else {
            m_h += tableOpen() + QStringLiteral("<tr><th class=\"l\">Run</th><th>Bits</th><th>Eff. bits</th><th>Size</th>");
            for (const auto &c : m_t.columns)
                m_h += QStringLiteral("<th>%1<br>%2</th>").arg(esc(c.task), esc(c.metric));
            m_h += QStringLiteral("</tr>");
            for (const auto &r : m_t.rows) {
                m_h += QStringLiteral("<tr><td class=\"l\">%1</td><td>%2</td><td>%3</td><td>%4</td>")
                           .arg(esc(r.label), num(r.nominalBits), num(r.effectiveBits), bytesText(r.bytes));
                for (double v : r.values)
                    m_h += QStringLiteral("<td>%1</td>").arg(num(v, 5));
                m_h += QStringLiteral("</tr>");
            }
            m_h += QStringLiteral("</table><p class=\"cap\">ppl: perplexity (lower is better); kl: mean KL divergence "
                                  "from the FP16 model per token, nats; acc/acc_norm: zero-shot accuracy.</p>");
        }
        for (const auto &c : comparisonCharts(m_d, m_t))
            if (c.id != QLatin1String("bits"))
                chart(c, 560);
    }

    void settings()
    {
        section(QStringLiteral("Settings and timings"));
        m_h += tableOpen() + QStringLiteral("<tr><th class=\"l\">Run</th><th class=\"l\">Settings</th>"
                                            "<th class=\"l\">Timings (s)</th></tr>");
        for (const auto &a : m_d.analyses)
            settingsRow(u'a', a.detail.run, a.detail.run.backend);
        for (const auto &q : m_d.quantRuns)
            settingsRow(u'q', q.detail.run, q.detail.run.method);
        m_h += QStringLiteral("</table>");
    }

    // A run's row of the settings table: its label (a3, q5) with `how` it ran (backend or
    // method), seed and wall time; its settings; its timings.
    template <typename Run>
    void settingsRow(QChar kind, const Run &run, const std::string &how)
    {
        m_h += QStringLiteral("<tr><td class=\"l\">%1%2<br>%3<br>seed %4<br>wall %5 s</td><td class=\"kv\">%6</td>"
                              "<td class=\"kv\">%7</td></tr>")
                   .arg(kind)
                   .arg(run.id)
                   .arg(esc(how), run.seed ? QString::number(*run.seed) : QStringLiteral("–"), num(run.wallSeconds),
                        keyValues(run.settingsJson), keyValues(run.timingsJson));
    }

    void versions()
    {
        section(QStringLiteral("Versions"));
        m_h += tableOpen();
        for (const auto &[k, v] : m_d.versions)
            m_h += QStringLiteral("<tr><td class=\"l\">%1</td><td class=\"l\">%2</td></tr>").arg(esc(k), esc(v));
        m_h += QStringLiteral("<tr><td class=\"l\">experiment store schema</td><td class=\"l\">%1</td></tr></table>")
                   .arg(m_d.storeSchemaVersion);
    }

    const ReportData &m_d;
    const exchange::ResultsTable &m_t;
    const std::function<QString(const QString &)> &m_img;
    HtmlFlavor m_flavor;
    QString m_h;
};

} // namespace

QString reportHtml(const ReportData &data, const exchange::ResultsTable &table,
                   const std::function<QString(const QString &)> &imageSource, HtmlFlavor flavor)
{
    return Builder(data, table, imageSource, flavor).build();
}

} // namespace lieq::ui::report
