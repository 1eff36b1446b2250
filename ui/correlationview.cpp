#include "ui/correlationview.h"

#include "ui/layermetricsmodel.h"
#include "ui/refreshcoalescer.h"

#include <QChart>
#include <QChartView>
#include <QEvent>
#include <QLabel>
#include <QScatterSeries>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace lieq::ui {

CorrelationView::CorrelationView(LayerMetricsModel *model, QWidget *parent)
    : QWidget(parent), m_model(model)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_chart = new QChartView(this);
    m_chart->setRenderHint(QPainter::Antialiasing);
    m_chart->setMinimumSize(260, 180);
    m_chart->chart()->legend()->hide();
    m_chart->chart()->setMargins(QMargins(4, 4, 4, 4));
    m_text = new QLabel(this);
    m_text->setObjectName(QStringLiteral("correlationText"));
    m_text->setWordWrap(true);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_chart, 1);
    layout->addWidget(m_text);
    m_refresh = new RefreshCoalescer(this, [this] { recompute(); });
    connect(m_model, &LayerMetricsModel::metricsChanged, this, &CorrelationView::refresh);
    connect(m_model, &QAbstractItemModel::modelReset, this, &CorrelationView::refresh);
    refresh();
}

const std::optional<CorrelationView::Stats> &CorrelationView::stats() const
{
    m_refresh->flush();
    return m_stats;
}

int CorrelationView::pointCount() const
{
    m_refresh->flush();
    int n = 0;
    for (auto *s : m_chart->chart()->series())
        n += static_cast<QScatterSeries *>(s)->count();
    return n;
}

void CorrelationView::refresh() { m_refresh->request(); }

namespace {
QPair<double, double> rangeOf(const QChart *c, Qt::Orientation o)
{
    const auto axes = c->axes(o);
    if (axes.isEmpty())
        return {0, 0};
    const auto *a = static_cast<const QValueAxis *>(axes.first());
    return {a->min(), a->max()};
}
} // namespace

QPair<double, double> CorrelationView::xRange() const
{
    m_refresh->flush();
    return rangeOf(m_chart->chart(), Qt::Horizontal);
}

QPair<double, double> CorrelationView::yRange() const
{
    m_refresh->flush();
    return rangeOf(m_chart->chart(), Qt::Vertical);
}

void CorrelationView::setPaddedRange(QValueAxis *axis, const std::vector<double> &values)
{
    // A margin of 8% of the span (or 0.5 around a single value) keeps the extreme layers off
    // the plot border, where their markers would be cut in half.
    if (values.empty()) {
        axis->setRange(0, 1);
        return;
    }
    const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    const double span = *hi - *lo;
    const double pad = span > 1e-12 ? 0.08 * span : 0.5;
    axis->setRange(*lo - pad, *hi + pad);
    axis->applyNiceNumbers();
}

void CorrelationView::recompute()
{
    const std::vector<double> dppl = m_model->metricVector("dppl");
    const std::vector<double> dr = m_model->metricVector("dr");
    std::vector<double> x, y;
    QChart *c = m_chart->chart();
    c->removeAllSeries();
    for (QAbstractAxis *a : c->axes())
        c->removeAxis(a);
    auto *points = new QScatterSeries;
    points->setMarkerSize(9);
    for (std::size_t l = 0; l < dppl.size(); ++l)
        if (std::isfinite(dppl[l]) && std::isfinite(dr[l])) {
            x.push_back(dr[l]);
            y.push_back(dppl[l]);
            points->append(dr[l], dppl[l]);
        }
    c->addSeries(points);
    auto *xAxis = new QValueAxis;
    auto *yAxis = new QValueAxis;
    xAxis->setTitleText(tr("dr (compactness)"));
    yAxis->setTitleText(tr("ΔPPL"));
    setPaddedRange(xAxis, x);
    setPaddedRange(yAxis, y);
    c->addAxis(xAxis, Qt::AlignBottom);
    c->addAxis(yAxis, Qt::AlignLeft);
    points->attachAxis(xAxis);
    points->attachAxis(yAxis);
    c->setTitle(tr("ΔPPL vs dr across layers"));

    m_stats.reset();
    if (x.size() >= 3) {
        // Statistics from core: with a constant input the coefficient is NaN, which the text
        // shows as such rather than hiding the row.
        Stats s;
        s.layers = int(x.size());
        s.spearman = analysis::spearman(x, y);
        s.pearson = analysis::pearson(x, y);
        s.kendall = analysis::kendallTauB(x, y);
        s.spearmanCi = analysis::bootstrapCi(analysis::CorrelationMethod::Spearman, x, y, kBootstrapResamples);
        s.pearsonCi = analysis::bootstrapCi(analysis::CorrelationMethod::Pearson, x, y, kBootstrapResamples);
        s.kendallCi = analysis::bootstrapCi(analysis::CorrelationMethod::Kendall, x, y, kBootstrapResamples);
        m_stats = s;
    }
    m_text->setText(statsText());
}

QString CorrelationView::statsText() const
{
    m_refresh->flush();
    if (!m_stats)
        return tr("Correlation needs ΔPPL and dr for at least 3 layers.");
    auto row = [](const QString &name, const analysis::Correlation &r, const analysis::ConfidenceInterval &ci) {
        return QStringLiteral("<tr><td>%1</td><td align=right>%2</td><td align=right>p = %3</td>"
                              "<td align=right>[%4, %5]</td></tr>")
            .arg(name, QString::number(r.coefficient, 'f', 3), QString::number(r.pValue, 'g', 3),
                 QString::number(ci.low, 'f', 3), QString::number(ci.high, 'f', 3));
    };
    const Stats &s = *m_stats;
    return QStringLiteral("<table cellspacing=4>") +
           row(tr("Spearman ρ"), s.spearman, s.spearmanCi) + row(tr("Pearson r"), s.pearson, s.pearsonCi) +
           row(tr("Kendall τ-b"), s.kendall, s.kendallCi) + QStringLiteral("</table>") +
           tr("%1 layers; %2% bootstrap intervals, %3 resamples")
               .arg(s.layers)
               .arg(int(std::lround(s.spearmanCi.level * 100)))
               .arg(kBootstrapResamples);
}

void CorrelationView::changeEvent(QEvent *e)
{
    if (e->type() == QEvent::LanguageChange)
        refresh();
    QWidget::changeEvent(e);
}

} // namespace lieq::ui
