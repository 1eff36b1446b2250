#include "ui/damagechart.h"

#include "ui/chartaxes.h"
#include "ui/refreshcoalescer.h"
#include "ui/retranslator.h"

#include <QChart>
#include <QChartView>
#include <QLabel>
#include <QLineSeries>
#include <QScatterSeries>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace lieq::ui {

DamageChart::DamageChart(QWidget *parent) : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_chart = new QChartView(this);
    m_chart->setObjectName(QStringLiteral("damageChart"));
    m_chart->setRenderHint(QPainter::Antialiasing);
    m_chart->setMinimumSize(260, 170);
    m_chart->chart()->setMargins(QMargins(4, 4, 4, 4));
    m_empty = new QLabel(this);
    m_empty->setWordWrap(true);
    layout->addWidget(m_chart, 1);
    layout->addWidget(m_empty);
    m_refresh = new RefreshCoalescer(this, [this] { redraw(); });
    Retranslator::attach(this, [this] { m_refresh->request(); });
}

void DamageChart::setCurves(const std::vector<alloc::DamagePoint> &best,
                            const std::vector<alloc::DamagePoint> &driver,
                            const QString &driverName)
{
    m_best = best;
    m_driver = driver;
    m_driverName = driverName;
    m_refresh->request();
}

void DamageChart::setCurrent(std::optional<alloc::DamagePoint> current)
{
    m_current = std::move(current);
    m_refresh->request();
}

void DamageChart::setRuns(const std::vector<RunPoint> &runs)
{
    m_runs = runs;
    m_refresh->request();
}

void DamageChart::clear()
{
    m_best.clear();
    m_driver.clear();
    m_current.reset();
    m_runs.clear();
    m_refresh->request();
}

int DamageChart::curvePointCount() const
{
    m_refresh->flush();
    return int(m_best.size() + m_driver.size());
}

int DamageChart::runPointCount() const
{
    m_refresh->flush();
    int n = 0;
    for (const RunPoint &r : m_runs)
        n += std::isfinite(r.kl) && std::isfinite(r.bits);
    return n;
}

bool DamageChart::hasCurrent() const { return m_current.has_value(); }

void DamageChart::redraw()
{
    QChart *c = m_chart->chart();
    clearChart(c);
    const bool any = !m_best.empty() || !m_driver.empty() || runPointCount() > 0;
    m_empty->setVisible(!any);
    m_empty->setText(tr("Run the measure pass to predict the damage of each budget; finished "
                        "runs with a KL measurement appear as points."));
    if (!any)
        return;
    double xmin = INFINITY, xmax = -INFINITY, ymax = 0;
    auto extend = [&](double x, double y) {
        if (!std::isfinite(x) || !std::isfinite(y))
            return false;
        xmin = std::min(xmin, x);
        xmax = std::max(xmax, x);
        ymax = std::max(ymax, y);
        return true;
    };
    auto line = [&](const std::vector<alloc::DamagePoint> &pts, const QString &name) {
        auto *s = new QLineSeries;
        s->setName(name);
        s->setPointsVisible(true);
        for (const alloc::DamagePoint &p : pts)
            if (extend(p.bits, p.predictedKl))
                s->append(p.bits, p.predictedKl);
        c->addSeries(s);
    };
    if (!m_best.empty())
        line(m_best, tr("predicted, best plan (measured gains)"));
    if (!m_driver.empty())
        line(m_driver, tr("predicted, plans by %1").arg(m_driverName));
    if (m_current && extend(m_current->bits, m_current->predictedKl)) {
        auto *s = new QScatterSeries;
        s->setName(tr("current plan"));
        s->setMarkerSize(13);
        s->setMarkerShape(QScatterSeries::MarkerShapeRectangle);
        s->append(m_current->bits, m_current->predictedKl);
        c->addSeries(s);
    }
    auto *runs = new QScatterSeries;
    runs->setName(tr("measured KL of finished runs"));
    runs->setMarkerSize(9);
    for (const RunPoint &r : m_runs)
        if (extend(r.bits, r.kl))
            runs->append(r.bits, r.kl);
    if (runs->count() > 0)
        c->addSeries(runs);
    else
        delete runs;
    c->createDefaultAxes();
    const auto h = c->axes(Qt::Horizontal), v = c->axes(Qt::Vertical);
    if (!h.isEmpty()) {
        h.first()->setTitleText(tr("average bits"));
        const double pad = std::max(0.05, 0.03 * (xmax - xmin));
        h.first()->setRange(xmin - pad, xmax + pad);
    }
    if (!v.isEmpty()) {
        v.first()->setTitleText(tr("KL from FP16 (nats/token)"));
        v.first()->setRange(0, ymax > 0 ? 1.08 * ymax : 1.0);
    }
    c->setTitle(tr("Damage against bits"));
    m_chart->setToolTip(tr("Predicted values: KL on the measure pass's probe windows, assuming the "
                           "gains of raised layers add up. Points: each run's measured KL on its "
                           "own evaluation text."));
}

} // namespace lieq::ui
