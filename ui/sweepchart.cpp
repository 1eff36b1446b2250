#include "ui/sweepchart.h"

#include "ui/chartaxes.h"

#include <QChart>
#include <QLineSeries>
#include <QScatterSeries>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <map>

namespace lieq::ui {

SweepChart::SweepChart(QWidget *parent) : QChartView(parent)
{
    setObjectName(QStringLiteral("sweepChart"));
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(240);
    rebuild();
}

void SweepChart::setSweep(const jobs::SweepView &view)
{
    m_view = view;
    rebuild();
}

void SweepChart::setMetric(Metric m)
{
    m_metric = m;
    rebuild();
}

int SweepChart::pointCount() const
{
    int n = 0;
    for (auto *s : chart()->series())
        n += static_cast<QXYSeries *>(s)->count();
    return n;
}

QStringList SweepChart::seriesNames() const
{
    QStringList names;
    for (auto *s : chart()->series())
        names << s->name();
    return names;
}

void SweepChart::rebuild()
{
    QChart *c = chart();
    clearChart(c);
    const bool kl = m_metric == Metric::Kl;
    c->setTitle(m_view.sweep.name.empty()
                    ? tr("No sweep")
                    : tr("%1: %2 vs average bits")
                          .arg(QString::fromStdString(m_view.sweep.name),
                               kl ? tr("KL from FP16") : tr("perplexity")));
    // One line per plan rule and backend, points in order of bits (the rule's curve).
    std::map<std::string, std::vector<QPointF>> curves;
    m_missing = 0;
    double xmin = 0, xmax = 0, ymin = 0, ymax = 0;
    bool any = false;
    for (const jobs::SweepPoint &p : m_view.points) {
        const double y = kl ? p.kl : p.ppl;
        if (!std::isfinite(y) || !std::isfinite(p.nominalBits)) {
            ++m_missing;
            continue;
        }
        curves[p.plan + " " + p.backend].emplace_back(p.nominalBits, y);
        xmin = any ? std::min(xmin, p.nominalBits) : p.nominalBits;
        xmax = any ? std::max(xmax, p.nominalBits) : p.nominalBits;
        ymin = any ? std::min(ymin, y) : y;
        ymax = any ? std::max(ymax, y) : y;
        any = true;
    }
    for (auto &[name, pts] : curves) {
        std::sort(pts.begin(), pts.end(), [](const QPointF &a, const QPointF &b) { return a.x() < b.x(); });
        QXYSeries *s = nullptr;
        if (pts.size() > 1) {
            auto *line = new QLineSeries;
            line->setPointsVisible(true);
            s = line;
        } else {
            auto *dot = new QScatterSeries;
            dot->setMarkerSize(10);
            s = dot;
        }
        s->setName(QString::fromStdString(name));
        for (const QPointF &p : pts)
            s->append(p);
        c->addSeries(s);
    }
    // Padded axes, so that extreme points are not drawn on the border.
    auto *x = new QValueAxis;
    x->setTitleText(tr("average bits (decoder linears)"));
    const double xpad = any ? std::max(0.05, 0.08 * (xmax - xmin)) : 0;
    x->setRange(any ? xmin - xpad : 2, any ? xmax + xpad : 4);
    auto *y = new QValueAxis;
    y->setTitleText(kl ? tr("mean KL (nats/token)") : tr("PPL"));
    const double ypad = any ? std::max({0.08 * (ymax - ymin), 0.02 * std::abs(ymax), 1e-6}) : 0;
    y->setRange(any ? std::max(0.0, ymin - ypad) : 0, any ? ymax + ypad : 1);
    setChartAxes(c, x, y);
}

} // namespace lieq::ui
