#include "ui/report/chart_painter.h"

#include <QFontMetricsF>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>
#include <limits>

namespace lieq::ui::report {

namespace {

const QColor kPalette[] = {QColor(0x1f, 0x77, 0xb4), QColor(0xd6, 0x27, 0x28), QColor(0x2c, 0xa0, 0x2c),
                           QColor(0xff, 0x7f, 0x0e), QColor(0x94, 0x67, 0xbd), QColor(0x8c, 0x56, 0x4b),
                           QColor(0xe3, 0x77, 0xc2), QColor(0x7f, 0x7f, 0x7f)};

QColor colorOf(const ChartSeries &s, std::size_t i)
{
    return s.color.isValid() ? s.color : kPalette[i % std::size(kPalette)];
}

QString tickText(double v, double step)
{
    if (v == 0)
        return QStringLiteral("0");
    const double a = std::abs(v);
    if (a >= 1e5 || a < 1e-3)
        return QString::number(v, 'g', 3);
    const int decimals = step >= 1 ? 0 : std::min(6, int(std::ceil(-std::log10(step) - 1e-9)));
    return QString::number(v, 'f', decimals);
}

} // namespace

ChartPainter::ChartPainter(ChartSpec spec) : m_spec(std::move(spec)) {}

std::vector<double> ChartPainter::niceTicks(double lo, double hi, int target, bool integer)
{
    std::vector<double> ticks;
    if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi))
        return {lo};
    // The 1-2-5 step whose tick count is closest to the target (ties: the larger step).
    const double raw = (hi - lo) / std::max(1, target);
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    double step = 0;
    long best = 0;
    for (double m : {1.0, 2.0, 5.0, 10.0}) {
        double s = m * mag;
        if (integer)
            s = std::max(1.0, std::round(s));
        const long count = long(std::floor(hi / s + 1e-9) - std::ceil(lo / s - 1e-9)) + 1;
        if (step == 0 || std::abs(count - target) <= std::abs(best - target)) {
            step = s;
            best = count;
        }
    }
    for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step)
        ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
    return ticks;
}

ChartPainter::Range ChartPainter::extent(bool yAxis, bool *bars) const
{
    Range r{std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
    *bars = false;
    for (const ChartSeries &s : m_spec.series) {
        *bars = *bars || s.style == ChartSeries::Style::Bars;
        for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i)
            if (std::isfinite(s.x[i]) && std::isfinite(s.y[i])) {
                const double v = !yAxis ? s.x[i] : m_spec.logY ? std::log10(s.y[i]) : s.y[i];
                r.lo = std::min(r.lo, v);
                r.hi = std::max(r.hi, v);
            }
    }
    return r;
}

ChartPainter::Range ChartPainter::xRange() const
{
    bool bars = false;
    const auto [lo, hi] = extent(false, &bars);
    if (!std::isfinite(lo))
        return {0, 1};
    if (bars || m_spec.integerX)
        return {lo - 0.6, hi + 0.6};
    const double pad = hi > lo ? 0.06 * (hi - lo) : std::max(0.5, std::abs(lo) * 0.1);
    return {lo - pad, hi + pad};
}

ChartPainter::Range ChartPainter::yRange() const
{
    bool bars = false;
    auto [lo, hi] = extent(true, &bars);
    if (!std::isfinite(lo))
        return {0, 1};
    if (bars && !m_spec.logY) {
        lo = std::min(lo, 0.0);
        hi = std::max(hi, 0.0);
    }
    const double pad = hi > lo ? 0.08 * (hi - lo) : std::max(0.5, std::abs(lo) * 0.1);
    return {bars && lo == 0 ? 0 : lo - pad, hi + pad};
}

void ChartPainter::paint(QPainter &p, const QRectF &rect) const
{
    p.save();
    p.setRenderHint(QPainter::Antialiasing);
    p.fillRect(rect, Qt::white);
    // One type size for every chart of a report (smaller only on small images).
    const double base = std::clamp(rect.width() / 40.0, 6.0, 12.0);
    QFont font(QStringLiteral("DejaVu Sans"));
    font.setPixelSize(int(base));
    QFont bold = font;
    bold.setBold(true);
    bold.setPixelSize(int(base * 1.15));
    QFont small = font;
    small.setPixelSize(int(base * 0.8));

    double top = rect.top() + base * 0.6;
    p.setPen(Qt::black);
    p.setFont(bold);
    p.drawText(QRectF(rect.left(), top, rect.width(), base * 1.6), Qt::AlignHCenter | Qt::AlignVCenter, m_spec.title);
    top += base * 1.7;
    if (!m_spec.note.isEmpty()) {
        p.setFont(small);
        p.drawText(QRectF(rect.left(), top, rect.width(), base * 1.3), Qt::AlignHCenter | Qt::AlignVCenter,
                   m_spec.note);
        top += base * 1.4;
    }

    const Range xr = xRange(), yr = yRange();
    std::vector<double> yt;
    if (m_spec.logY) {
        for (double e = std::ceil(yr.lo); e <= std::floor(yr.hi); e += 1)
            yt.push_back(e);
        if (yt.size() < 3)
            for (double e = std::floor(yr.lo); e <= yr.hi; e += 1)
                for (double m : {2.0, 5.0})
                    if (const double v = e + std::log10(m); v >= yr.lo && v <= yr.hi)
                        yt.push_back(v);
        std::sort(yt.begin(), yt.end());
    } else {
        yt = niceTicks(yr.lo, yr.hi, 5, false);
    }
    const double ystep = yt.size() > 1 ? yt[1] - yt[0] : 1;
    auto yLabel = [&](double v) {
        return m_spec.logY ? tickText(std::pow(10.0, v), std::pow(10.0, v) / 10) : tickText(v, ystep);
    };
    p.setFont(small);
    const QFontMetricsF fm(small);
    double tickWidth = 0;
    for (double v : yt)
        tickWidth = std::max(tickWidth, fm.horizontalAdvance(yLabel(v)));
    const QRectF plot(rect.left() + base * 1.8 + tickWidth + base * 0.5, top + base * 0.3,
                      rect.width() - (base * 1.8 + tickWidth + base * 0.5) - base * 0.9,
                      rect.bottom() - top - base * 3.4);
    auto px = [&](double x) { return plot.left() + (x - xr.lo) / (xr.hi - xr.lo) * plot.width(); };
    auto py = [&](double y) {
        const double t = m_spec.logY ? std::log10(y) : y;
        return plot.bottom() - (t - yr.lo) / (yr.hi - yr.lo) * plot.height();
    };
    auto pyT = [&](double t) { return plot.bottom() - (t - yr.lo) / (yr.hi - yr.lo) * plot.height(); };

    // Grid, ticks and axis labels.
    p.setPen(QPen(QColor(0xe4, 0xe4, 0xe4), 0));
    for (double v : yt)
        p.drawLine(QPointF(plot.left(), pyT(v)), QPointF(plot.right(), pyT(v)));
    const auto xt = niceTicks(xr.lo, xr.hi, std::clamp(int(plot.width() / (base * 5)), 3, 12), m_spec.integerX);
    const double xstep = xt.size() > 1 ? xt[1] - xt[0] : 1;
    for (double v : xt)
        p.drawLine(QPointF(px(v), plot.top()), QPointF(px(v), plot.bottom()));
    p.setPen(QPen(Qt::black, 0));
    p.drawRect(plot);
    for (double v : yt)
        p.drawText(QRectF(plot.left() - tickWidth - base * 0.5, pyT(v) - base, tickWidth + base * 0.2, base * 2),
                   Qt::AlignRight | Qt::AlignVCenter, yLabel(v));
    for (double v : xt)
        p.drawText(QRectF(px(v) - base * 3, plot.bottom() + base * 0.2, base * 6, base * 1.2),
                   Qt::AlignHCenter | Qt::AlignTop, tickText(v, xstep));
    p.setFont(font);
    p.drawText(QRectF(plot.left(), plot.bottom() + base * 1.4, plot.width(), base * 1.5), Qt::AlignHCenter,
               m_spec.xLabel);
    p.save();
    p.translate(rect.left() + base * 0.3, plot.center().y());
    p.rotate(-90);
    p.drawText(QRectF(-plot.height() / 2, 0, plot.height(), base * 1.4), Qt::AlignHCenter | Qt::AlignTop,
               m_spec.yLabel);
    p.restore();

    // Data.
    p.setClipRect(plot.adjusted(-1, -1, 1, 1));
    int barSeries = 0, barIndex = 0;
    for (const ChartSeries &s : m_spec.series)
        barSeries += s.style == ChartSeries::Style::Bars ? 1 : 0;
    const double barWidth = 0.8 / std::max(1, barSeries);
    for (std::size_t si = 0; si < m_spec.series.size(); ++si) {
        const ChartSeries &s = m_spec.series[si];
        const QColor c = colorOf(s, si);
        const std::size_t n = std::min(s.x.size(), s.y.size());
        auto ok = [&](std::size_t i) { return std::isfinite(s.x[i]) && std::isfinite(s.y[i]) && (!m_spec.logY || s.y[i] > 0); };
        if (s.style == ChartSeries::Style::Bars) {
            const double offset = (barIndex++ - (barSeries - 1) / 2.0) * barWidth;
            const double y0 = m_spec.logY ? pyT(yr.lo) : py(std::max(yr.lo, 0.0));
            for (std::size_t i = 0; i < n; ++i)
                if (ok(i)) {
                    const double left = px(s.x[i] + offset - barWidth / 2), right = px(s.x[i] + offset + barWidth / 2);
                    p.fillRect(QRectF(QPointF(left, py(s.y[i])), QPointF(right, y0)).normalized(), c);
                }
            continue;
        }
        if (s.style == ChartSeries::Style::Line) {
            QPainterPath path;
            bool open = false;
            for (std::size_t i = 0; i < n; ++i) {
                if (!ok(i)) {
                    open = false;
                    continue;
                }
                const QPointF pt(px(s.x[i]), py(s.y[i]));
                open ? path.lineTo(pt) : path.moveTo(pt);
                open = true;
            }
            p.setPen(QPen(c, base * 0.16));
            p.setBrush(Qt::NoBrush);
            p.drawPath(path);
        }
        const double r = s.style == ChartSeries::Style::Points ? base * 0.32 : base * 0.2;
        p.setPen(QPen(c.darker(130), base * 0.06));
        p.setBrush(c);
        p.setFont(small);
        for (std::size_t i = 0; i < n; ++i) {
            if (!ok(i))
                continue;
            const QPointF pt(px(s.x[i]), py(s.y[i]));
            p.drawEllipse(pt, r, r);
            if (i < s.labels.size() && !s.labels[i].isEmpty()) {
                p.setPen(QPen(Qt::black, 0));
                // Labels go left of points near the right edge, so none is cut off.
                const double w = fm.horizontalAdvance(s.labels[i]);
                const bool left = pt.x() + r * 1.3 + w > plot.right();
                p.drawText(QRectF(left ? pt.x() - r * 1.3 - w : pt.x() + r * 1.3, pt.y() - base * 1.1, w + 2, base),
                           Qt::AlignLeft | Qt::AlignBottom, s.labels[i]);
                p.setPen(QPen(c.darker(130), base * 0.06));
            }
        }
    }
    p.setClipping(false);

    // Legend (top right, inside the plot) when there is more than one named series.
    int named = 0;
    double legendWidth = 0;
    for (const ChartSeries &s : m_spec.series)
        if (!s.name.isEmpty()) {
            ++named;
            legendWidth = std::max(legendWidth, fm.horizontalAdvance(s.name));
        }
    if (named > 1) {
        p.setFont(small);
        const double rowH = base * 1.1;
        const QRectF box(plot.right() - legendWidth - base * 2.4, plot.top() + base * 0.4, legendWidth + base * 2,
                         rowH * named + base * 0.4);
        p.setPen(QPen(QColor(0xa0, 0xa0, 0xa0), 0));
        p.setBrush(QColor(255, 255, 255, 225));
        p.drawRect(box);
        int row = 0;
        for (std::size_t si = 0; si < m_spec.series.size(); ++si) {
            const ChartSeries &s = m_spec.series[si];
            if (s.name.isEmpty())
                continue;
            const double y = box.top() + base * 0.2 + rowH * row++;
            p.fillRect(QRectF(box.left() + base * 0.3, y + rowH * 0.25, base * 0.9, rowH * 0.5), colorOf(s, si));
            p.setPen(Qt::black);
            p.drawText(QRectF(box.left() + base * 1.5, y, legendWidth + base, rowH), Qt::AlignLeft | Qt::AlignVCenter,
                       s.name);
        }
    }
    p.restore();
}

QImage ChartPainter::image(QSize logical, qreal scale) const
{
    QImage img(QSize(int(logical.width() * scale), int(logical.height() * scale)), QImage::Format_ARGB32_Premultiplied);
    img.fill(Qt::white);
    img.setDevicePixelRatio(scale);
    QPainter p(&img);
    paint(p, QRectF(QPointF(0, 0), QSizeF(logical)));
    p.end();
    return img;
}

} // namespace lieq::ui::report
