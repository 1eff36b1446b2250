#pragma once

class QAbstractAxis;
class QChart;

namespace lieq::ui {

// What every chart of the workbench does around a redraw.

// Empties `chart`: its series and axes are removed and deleted (QChart::removeAxis hands an
// axis back to the caller, so one left undeleted would leak on every redraw).
void clearChart(QChart *chart);

// Puts `x` at the bottom and `y` on the left of `chart` and attaches every series it holds.
void setChartAxes(QChart *chart, QAbstractAxis *x, QAbstractAxis *y);

} // namespace lieq::ui
