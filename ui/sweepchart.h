#pragma once

#include "core/jobs/sweep_job.h"

#include <QChartView>

namespace lieq::ui {

// A whole sweep on one chart: perplexity or KL divergence from the FP16 model against the
// average bits of each cell's plan, one series per plan rule and backend, so the rules can be
// compared at every budget of the grid. Cells without the figure (failed, not evaluated) are
// left out and counted.
class SweepChart : public QChartView
{
    Q_OBJECT
public:
    enum class Metric { Perplexity, Kl };

    explicit SweepChart(QWidget *parent = nullptr);

    void setSweep(const jobs::SweepView &view);
    void setMetric(Metric m);
    Metric metric() const { return m_metric; }

    int pointCount() const;       // plotted
    int missingCount() const { return m_missing; } // cells without the figure
    QStringList seriesNames() const;

private:
    void rebuild();
    jobs::SweepView m_view;
    Metric m_metric = Metric::Kl;
    int m_missing = 0;
};

} // namespace lieq::ui
