#pragma once

#include "ui/report/chart_spec.h"

#include <QImage>
#include <QRectF>
#include <QSize>

class QPainter;

namespace lieq::ui::report {

// Draws report charts with QPainter alone (QtGui, no Widgets), so `lieq report` renders them
// headless: axes with rounded ticks and padding (extreme points never sit on the frame),
// optional log y axis, lines, scatter points with labels, grouped bars, and a legend.
class ChartPainter
{
public:
    explicit ChartPainter(ChartSpec spec);

    void paint(QPainter &p, const QRectF &rect) const;
    // A white image of `logical` size at `scale` device pixels per unit (crisp in PDF and HTML).
    QImage image(QSize logical, qreal scale = 2.0) const;

    // Tick values covering [lo, hi] with a 1-2-5 step, about `target` of them.
    static std::vector<double> niceTicks(double lo, double hi, int target, bool integer);

private:
    struct Range
    {
        double lo = 0, hi = 1;
    };
    // Smallest and largest finite x (or y, as plotted: log10 on a log axis) over all series;
    // lo = +inf when there is none. *bars: whether any series is drawn as bars.
    Range extent(bool yAxis, bool *bars) const;
    Range xRange() const;
    Range yRange() const;
    ChartSpec m_spec;
};

} // namespace lieq::ui::report
