#include "ui/layerchart.h"

#include "ui/chartaxes.h"
#include "ui/layermetricsmodel.h"
#include "ui/refreshcoalescer.h"

#include <QChart>
#include <QLineSeries>
#include <QLogValueAxis>
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
    m_refresh = new RefreshCoalescer(this, [this] { redraw(); });
    connect(m_model, &LayerMetricsModel::metricsChanged, this, &LayerChart::refresh);
    connect(m_model, &QAbstractItemModel::modelReset, this, &LayerChart::refresh);
    refresh();
}

void LayerChart::refresh() { m_refresh->request(); }

void LayerChart::setMode(Mode mode)
{
    if (mode == m_mode)
        return;
    m_mode = mode;
    refresh();
}

void LayerChart::setLogScale(bool on)
{
    if (on == m_log)
        return;
    m_log = on;
    m_x = nullptr; // the axes are rebuilt with the next redraw
    refresh();
}

bool LayerChart::hasLogAxis() const
{
    m_refresh->flush();
    return qobject_cast<QLogValueAxis *>(m_y) != nullptr;
}

void LayerChart::setTitle(const QString &title)
{
    m_title = title;
    refresh();
}

int LayerChart::seriesCount() const
{
    m_refresh->flush();
    return int(chart()->series().size());
}

int LayerChart::pointCount() const
{
    m_refresh->flush();
    int n = 0;
    for (auto *s : chart()->series())
        if (auto *xy = qobject_cast<QXYSeries *>(s); xy && !qobject_cast<QScatterSeries *>(s))
            n += xy->count();
    return n;
}

int LayerChart::redrawCount() const { return m_refresh->refreshCount(); }

void LayerChart::rebuild(const QStringList &names)
{
    QChart *c = chart();
    clearChart(c);
    m_x = new QValueAxis;
    m_x->setLabelFormat(QStringLiteral("%d"));
    if (m_log) {
        auto *log = new QLogValueAxis;
        log->setBase(10);
        log->setLabelFormat(QStringLiteral("%g"));
        m_y = log;
    } else {
        m_y = new QValueAxis;
    }
    c->addAxis(m_x, Qt::AlignBottom);
    c->addAxis(m_y, Qt::AlignLeft);
    for (const QString &name : names) {
        auto *line = new QLineSeries;
        line->setName(name);
        line->setPointsVisible(true);
        connect(line, &QXYSeries::clicked, this,
                [this](const QPointF &p) { Q_EMIT layerClicked(int(std::lround(p.x()))); });
        c->addSeries(line);
        line->attachAxis(m_x);
        line->attachAxis(m_y);
    }
    c->legend()->setVisible(names.size() > 1);
}

void LayerChart::redraw()
{
    // What to draw: one line per projection, or the layer mean.
    QStringList names;
    std::vector<QList<QPointF>> points;
    double lo = 0, hi = 0;
    bool any = false;
    int hidden = 0; // values a log axis cannot show
    auto collect = [&](const QString &name, auto valueOf) {
        QList<QPointF> pts;
        for (int l = 0; l < m_model->layerCount(); ++l) {
            const double v = valueOf(l);
            if (!std::isfinite(v))
                continue; // not computed yet: the line grows as layers arrive
            if (m_log && v <= 0) {
                ++hidden;
                continue;
            }
            pts.append(QPointF(l, v));
            lo = any ? std::min(lo, v) : v;
            hi = any ? std::max(hi, v) : v;
            any = true;
        }
        names << name;
        points.push_back(std::move(pts));
    };
    const auto projections = m_model->projectionsWith(m_metric);
    if (m_mode == Mode::PerProjection && !projections.empty()) {
        for (const std::string &p : projections)
            collect(QString::fromStdString(p), [&](int l) { return m_model->projectionMetric(l, p, m_metric); });
    } else {
        collect(tr("layer mean"), [&](int l) { return m_model->layerMetric(l, m_metric); });
    }

    QChart *c = chart();
    QStringList current;
    for (auto *s : c->series())
        current << s->name();
    if (current != names || !m_x || !m_y)
        rebuild(names);
    const auto series = c->series();
    for (int i = 0; i < series.size(); ++i)
        static_cast<QXYSeries *>(series[i])->replace(points[std::size_t(i)]);

    m_x->setRange(0, std::max(1, m_model->layerCount() - 1));
    m_x->setTickCount(std::min(std::max(2, m_model->layerCount()), 8));
    m_x->setTitleText(tr("layer"));
    if (auto *log = qobject_cast<QLogValueAxis *>(m_y)) {
        // A decade of room on neither side: factor padding keeps the extremes off the border.
        log->setRange(any ? lo / 1.5 : 0.1, any ? hi * 1.5 : 10);
    } else {
        if (!any) {
            lo = 0;
            hi = 1;
        } else if (hi - lo < 1e-12) {
            lo -= 0.5;
            hi += 0.5;
        }
        const double pad = 0.06 * (hi - lo);
        auto *linear = static_cast<QValueAxis *>(m_y);
        linear->setRange(lo - pad, hi + pad);
        linear->applyNiceNumbers();
    }
    QString title = any ? m_title : m_title + QStringLiteral(" — ") + tr("no data yet");
    if (hidden > 0)
        title += QStringLiteral(" — ") + tr("log scale: %n value(s) <= 0 not shown", nullptr, hidden);
    c->setTitle(title);
}

} // namespace lieq::ui
