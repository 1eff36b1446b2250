#pragma once

#include "core/alloc/measured_plan.h"

#include <QString>
#include <QWidget>

#include <optional>
#include <vector>

class QChartView;
class QLabel;

namespace lieq::ui {

class RefreshCoalescer;

// Where the knee is, before anything runs: the damage (KL from FP16) the measure pass predicts
// against the average bits, for the best plans (the knapsack on measured gains) and for the
// plans of the score that currently drives the budget panel, the current plan as a marker, and
// the measured KL of finished quantization runs of the same model as points. Predictions come
// from the probe windows of the measure pass, measured points from each run's own evaluation
// text, so the two scales agree only as far as those texts do (the tooltip says so).
class DamageChart : public QWidget
{
    Q_OBJECT
public:
    struct RunPoint
    {
        double bits = 0;
        double kl = 0;
        QString label; // e.g. "run 12: dr, gptq"
    };

    explicit DamageChart(QWidget *parent = nullptr);

    void setCurves(const std::vector<alloc::DamagePoint> &best,
                   const std::vector<alloc::DamagePoint> &driver, const QString &driverName);
    void setCurrent(std::optional<alloc::DamagePoint> current);
    void setRuns(const std::vector<RunPoint> &runs);
    void clear();

    // For tests and the budget panel's summary line.
    int curvePointCount() const;
    int runPointCount() const;
    bool hasCurrent() const;


private:
    void redraw();
    std::vector<alloc::DamagePoint> m_best, m_driver;
    QString m_driverName;
    std::optional<alloc::DamagePoint> m_current;
    std::vector<RunPoint> m_runs;
    QChartView *m_chart;
    QLabel *m_empty;
    RefreshCoalescer *m_refresh;
};

} // namespace lieq::ui
