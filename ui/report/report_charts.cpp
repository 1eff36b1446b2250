#include "ui/report/report_charts.h"

#include "core/exchange/report_data.h"
#include "core/exchange/results_table.h"

#include <algorithm>
#include <cmath>

namespace lieq::ui::report {

namespace {

using exchange::ReportAnalysis;

QString runName(const ReportAnalysis &a) { return QStringLiteral("a%1").arg(a.detail.run.id); }

std::vector<double> layerX(const ReportAnalysis &a) { return {a.layers.begin(), a.layers.end()}; }

// A log axis for a curve whose positive values span more than two decades (one outlier layer
// would otherwise flatten the rest against zero).
bool wantsLog(const std::vector<double> &v)
{
    double lo = INFINITY, hi = 0;
    for (double x : v) {
        if (!std::isfinite(x))
            continue;
        if (x <= 0)
            return false;
        lo = std::min(lo, x);
        hi = std::max(hi, x);
    }
    return hi > 0 && hi / lo > 100;
}

ReportChart curve(const ReportAnalysis &a, const char *metric, const QString &title, const QString &yLabel,
                  const std::vector<double> &values, const QColor &color)
{
    ReportChart c;
    c.id = runName(a) + QLatin1Char('-') + QLatin1String(metric);
    c.caption = title + QStringLiteral(" per layer (run %1)").arg(runName(a));
    c.spec.title = title + QStringLiteral(" — run ") + runName(a);
    c.spec.xLabel = QStringLiteral("layer");
    c.spec.yLabel = yLabel;
    c.spec.integerX = true;
    c.spec.logY = wantsLog(values);
    if (c.spec.logY)
        c.spec.note = QStringLiteral("log scale");
    c.spec.series.push_back({QString::fromLatin1(metric), ChartSeries::Style::Line, color, layerX(a), values, {}});
    return c;
}

} // namespace

std::vector<ReportChart> analysisCharts(const ReportAnalysis &a)
{
    std::vector<ReportChart> out;
    out.push_back(curve(a, "dppl", QStringLiteral("Perplexity drop dPPL"), QStringLiteral("PPL without layer − PPL"),
                        a.dppl, QColor(0xd6, 0x27, 0x28)));
    out.push_back(curve(a, "dr", QStringLiteral("Representational compactness dr"),
                        QStringLiteral("(C(random) − C(trained)) / C(random)"), a.dr, QColor(0x1f, 0x77, 0xb4)));
    out.push_back(curve(a, "dE", QStringLiteral("Top-k energy gain dE"), QStringLiteral("E_k(trained) − E_k(random)"),
                        a.dE, QColor(0x2c, 0xa0, 0x2c)));

    ReportChart s;
    s.id = runName(a) + QStringLiteral("-scatter");
    s.caption = QStringLiteral("dPPL against dr, one point per layer (run %1)").arg(runName(a));
    s.spec.title = QStringLiteral("dPPL vs dr — run ") + runName(a);
    s.spec.xLabel = QStringLiteral("dr (compactness)");
    s.spec.yLabel = QStringLiteral("dPPL");
    s.spec.logY = wantsLog(a.dppl);
    for (const auto &c : a.correlations)
        if (c.method == analysis::CorrelationMethod::Spearman && std::isfinite(c.value.coefficient))
            s.spec.note = QStringLiteral("Spearman ρ = %1 (p = %2, n = %3)%4")
                              .arg(c.value.coefficient, 0, 'f', 3)
                              .arg(c.value.pValue, 0, 'g', 3)
                              .arg(c.value.n)
                              .arg(s.spec.logY ? QStringLiteral(", log scale") : QString());
    ChartSeries pts{QStringLiteral("layers"), ChartSeries::Style::Points, QColor(0x94, 0x67, 0xbd), a.dr, a.dppl, {}};
    for (int l : a.layers)
        pts.labels.push_back(QString::number(l));
    s.spec.series.push_back(std::move(pts));
    out.push_back(std::move(s));
    return out;
}

std::vector<ReportChart> comparisonCharts(const exchange::ReportData &data, const exchange::ResultsTable &table)
{
    std::vector<ReportChart> out;
    if (!data.quantRuns.empty()) {
        ReportChart b;
        b.id = QStringLiteral("bits");
        b.caption = QStringLiteral("Bits per decoder layer of each quantization run's plan (mixed layers shown at "
                                   "their lowest width)");
        b.spec.title = QStringLiteral("Bit plan per layer");
        b.spec.xLabel = QStringLiteral("layer");
        b.spec.yLabel = QStringLiteral("bits");
        b.spec.integerX = true;
        for (const auto &q : data.quantRuns) {
            ChartSeries s{QStringLiteral("q%1 %2").arg(q.detail.run.id).arg(QString::fromStdString(q.detail.run.method)),
                          ChartSeries::Style::Bars, {}, {}, {}, {}};
            for (std::size_t l = 0; l < q.layerBits.size(); ++l) {
                int bits = q.layerBits[l];
                if (bits < 0) // per-projection plan: the layer's lowest width
                    for (const QString &part : QString::fromStdString(q.layerBitsText[l]).split(QLatin1Char(',')))
                        if (const int v = part.trimmed().section(QLatin1Char(' '), -1).toInt(); v > 0)
                            bits = bits < 0 ? v : std::min(bits, v);
                s.x.push_back(double(l));
                s.y.push_back(bits < 0 ? NAN : double(bits));
            }
            b.spec.series.push_back(std::move(s));
        }
        out.push_back(std::move(b));
    }
    const int col = table.primaryPplColumn();
    if (col >= 0) {
        ReportChart c;
        c.id = QStringLiteral("ppl-bits");
        const QString task = QString::fromStdString(table.columns[std::size_t(col)].task);
        c.caption = QStringLiteral("%1 perplexity against average bits of the decoder linears").arg(task);
        c.spec.title = QStringLiteral("Perplexity vs bits (%1)").arg(task);
        c.spec.xLabel = QStringLiteral("average bits per decoder weight");
        c.spec.yLabel = QStringLiteral("perplexity");
        ChartSeries fp{QStringLiteral("FP16"), ChartSeries::Style::Points, QColor(0x2c, 0xa0, 0x2c), {}, {}, {}};
        ChartSeries qs{QStringLiteral("quantized"), ChartSeries::Style::Points, QColor(0x1f, 0x77, 0xb4), {}, {}, {}};
        std::vector<double> all;
        for (const auto &r : table.rows) {
            const double v = r.values[std::size_t(col)];
            if (!std::isfinite(v) || !std::isfinite(r.nominalBits))
                continue;
            ChartSeries &s = r.quantRunId ? qs : fp;
            s.x.push_back(r.nominalBits);
            s.y.push_back(v);
            s.labels.push_back(r.quantRunId ? QStringLiteral("q%1").arg(*r.quantRunId) : QStringLiteral("FP16"));
            all.push_back(v);
        }
        c.spec.logY = wantsLog(all);
        for (ChartSeries *s : {&fp, &qs})
            if (!s->x.empty()) // no legend entry for a series without points
                c.spec.series.push_back(std::move(*s));
        out.push_back(std::move(c));
    }
    return out;
}

} // namespace lieq::ui::report
