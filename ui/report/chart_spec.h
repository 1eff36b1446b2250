#pragma once

#include <QColor>
#include <QString>

#include <vector>

namespace lieq::ui::report {

// One data series of a report chart. Points with a non-finite coordinate are skipped (a line
// is broken there).
struct ChartSeries
{
    enum class Style { Line, Points, Bars };
    QString name;
    Style style = Style::Line;
    QColor color;
    std::vector<double> x, y;
    std::vector<QString> labels; // optional per-point labels (scatter plots)
};

// A chart as data: what ChartPainter draws for the PDF and HTML reports.
struct ChartSpec
{
    QString title;
    QString xLabel, yLabel;
    QString note;            // one line under the title (e.g. the correlation)
    std::vector<ChartSeries> series;
    bool logY = false;       // only when every y is positive
    bool integerX = false;   // layer numbers: ticks on whole numbers
};

} // namespace lieq::ui::report
