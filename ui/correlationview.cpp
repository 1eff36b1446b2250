#include "ui/correlationview.h"

#include "ui/chartaxes.h"
#include "ui/layermetricsmodel.h"
#include "ui/refreshcoalescer.h"
#include "ui/retranslator.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QHBoxLayout>
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
    auto *pick = new QHBoxLayout;
    m_xBox = new QComboBox(this);
    m_xBox->setObjectName(QStringLiteral("correlationX"));
    m_yBox = new QComboBox(this);
    m_yBox->setObjectName(QStringLiteral("correlationY"));
    pick->addWidget(m_yBox, 1);
    pick->addWidget(new QLabel(QStringLiteral("↔"), this));
    pick->addWidget(m_xBox, 1);
    layout->addLayout(pick);
    fillBoxes();
    setAxes("dr", "dppl");
    connect(m_xBox, &QComboBox::currentIndexChanged, this, &CorrelationView::refresh);
    connect(m_yBox, &QComboBox::currentIndexChanged, this, &CorrelationView::refresh);
    layout->addWidget(m_chart, 1);
    layout->addWidget(m_text);
    m_refresh = new RefreshCoalescer(this, [this] { recompute(); });
    connect(m_model, &LayerMetricsModel::metricsChanged, this, &CorrelationView::refresh);
    connect(m_model, &QAbstractItemModel::modelReset, this, &CorrelationView::refresh);
    Retranslator::attach(this, [this] {
        fillBoxes();
        refresh();
    });
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

void CorrelationView::refresh()
{
    if (m_refresh) // null while the constructor fills the axis boxes
        m_refresh->request();
}

void CorrelationView::fillBoxes()
{
    const std::string x = m_xBox->count() ? xKey() : "dr", y = m_yBox->count() ? yKey() : "dppl";
    for (QComboBox *box : {m_xBox, m_yBox}) {
        const QSignalBlocker block(box);
        box->clear();
        for (const char *k : {"dppl", "dr", "dE"})
            box->addItem(labelOf(k), QString::fromLatin1(k));
        for (const auto &[key, entry] : m_extra)
            box->addItem(entry.first, QString::fromStdString(key));
    }
    setAxes(x, y);
}

QString CorrelationView::labelOf(const std::string &key) const
{
    if (key == "dppl")
        return tr("ΔPPL (layer skipped)");
    if (key == "dr")
        return tr("dr (compactness)");
    if (key == "dE")
        return tr("dE (top-k energy)");
    const auto it = m_extra.find(key);
    return it != m_extra.end() ? it->second.first : QString::fromStdString(key);
}

std::vector<double> CorrelationView::values(const std::string &key) const
{
    const auto it = m_extra.find(key);
    return it != m_extra.end() ? it->second.second : m_model->metricVector(key);
}

void CorrelationView::setSeries(const std::string &key, const QString &label, std::vector<double> v)
{
    if (v.empty())
        m_extra.erase(key);
    else
        m_extra[key] = {label, std::move(v)};
    fillBoxes();
    refresh();
}

void CorrelationView::setAxes(const std::string &x, const std::string &y)
{
    for (auto [box, key] : {std::pair{m_xBox, x}, std::pair{m_yBox, y}}) {
        const int i = box->findData(QString::fromStdString(key));
        if (i >= 0)
            box->setCurrentIndex(i);
    }
    refresh();
}

std::string CorrelationView::xKey() const { return m_xBox->currentData().toString().toStdString(); }
std::string CorrelationView::yKey() const { return m_yBox->currentData().toString().toStdString(); }

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
    const std::vector<double> xs = values(xKey()), ys = values(yKey());
    std::vector<double> x, y;
    QChart *c = m_chart->chart();
    clearChart(c);
    auto *points = new QScatterSeries;
    points->setMarkerSize(9);
    for (std::size_t l = 0; l < std::min(xs.size(), ys.size()); ++l)
        if (std::isfinite(xs[l]) && std::isfinite(ys[l])) {
            x.push_back(xs[l]);
            y.push_back(ys[l]);
            points->append(xs[l], ys[l]);
        }
    c->addSeries(points);
    auto *xAxis = new QValueAxis;
    auto *yAxis = new QValueAxis;
    xAxis->setTitleText(labelOf(xKey()));
    yAxis->setTitleText(labelOf(yKey()));
    setPaddedRange(xAxis, x);
    setPaddedRange(yAxis, y);
    setChartAxes(c, xAxis, yAxis); // the points are the chart's only series
    c->setTitle(tr("%1 vs %2 across layers").arg(labelOf(yKey()), labelOf(xKey())));

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
        return tr("Correlation needs %1 and %2 for at least 3 layers.")
            .arg(labelOf(yKey()), labelOf(xKey()));
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

} // namespace lieq::ui
