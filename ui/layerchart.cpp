#include "ui/layerchart.h"

#include "ui/layermetricsmodel.h"

#include <QChart>
#include <QLineSeries>
#include <QScatterSeries>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace lieq::ui {

LayerChart::LayerChart(LayerMetricsModel *model, std::string metric, QWidget *parent)
    : QChartView(parent), m_model(model), m_metric(std::move(metric))
{
    setRenderHint(QPainter::Antialiasing);
    setMinimumSize(260, 180);
    chart()->legend()->setAlignment(Qt::AlignRight);
    chart()->setMargins(QMargins(4, 4, 4, 4));
    connect(m_model, &LayerMetricsModel::metricsChanged, this, &LayerChart::refresh);
    connect(m_model, &QAbstractItemModel::modelReset, this, &LayerChart::refresh);
    refresh();
}

void LayerChart::setMode(Mode mode)
{
    if (mode == m_mode)
        return;
    m_mode = mode;
    refresh();
}

void LayerChart::setTitle(const QString &title)
{
    m_title = title;
    chart()->setTitle(title);
}

int LayerChart::seriesCount() const { return int(chart()->series().size()); }

int LayerChart::pointCount() const
{
    int n = 0;
    for (auto *s : chart()->series())
        if (auto *xy = qobject_cast<QXYSeries *>(s); xy && !qobject_cast<QScatterSeries *>(s))
            n += xy->count();
    return n;
}

void LayerChart::refresh()
{
    QChart *c = chart();
    c->removeAllSeries();
    for (QAbstractAxis *a : c->axes())
        c->removeAxis(a);
    double lo = 0, hi = 0;
    bool any = false;
    auto addLine = [&](const QString &name, auto valueOf) {
        auto *line = new QLineSeries;
        line->setName(name);
        line->setPointsVisible(true);
        for (int l = 0; l < m_model->layerCount(); ++l) {
            const double v = valueOf(l);
            if (!std::isfinite(v))
                continue; // not computed yet: the line grows as layers arrive
            line->append(l, v);
            lo = any ? std::min(lo, v) : v;
            hi = any ? std::max(hi, v) : v;
            any = true;
        }
        connect(line, &QXYSeries::clicked, this,
                [this](const QPointF &p) { Q_EMIT layerClicked(int(std::lround(p.x()))); });
        c->addSeries(line);
    };
    const auto projections = m_model->projectionsWith(m_metric);
    if (m_mode == Mode::PerProjection && !projections.empty()) {
        for (const std::string &p : projections)
            addLine(QString::fromStdString(p), [&](int l) { return m_model->projectionMetric(l, p, m_metric); });
        c->legend()->show();
    } else {
        addLine(tr("layer mean"), [&](int l) { return m_model->layerMetric(l, m_metric); });
        c->legend()->hide();
    }
    auto *x = new QValueAxis;
    x->setLabelFormat(QStringLiteral("%d"));
    x->setRange(0, std::max(1, m_model->layerCount() - 1));
    x->setTickCount(std::min(std::max(2, m_model->layerCount()), 8));
    x->setTitleText(tr("layer"));
    auto *y = new QValueAxis;
    if (!any) {
        lo = 0;
        hi = 1;
    } else if (hi - lo < 1e-12) {
        lo -= 0.5;
        hi += 0.5;
    }
    const double pad = 0.06 * (hi - lo);
    y->setRange(lo - pad, hi + pad);
    y->applyNiceNumbers();
    c->addAxis(x, Qt::AlignBottom);
    c->addAxis(y, Qt::AlignLeft);
    for (auto *s : c->series()) {
        s->attachAxis(x);
        s->attachAxis(y);
    }
    c->setTitle(any ? m_title : m_title + QStringLiteral(" — ") + tr("no data yet"));
}

} // namespace lieq::ui
