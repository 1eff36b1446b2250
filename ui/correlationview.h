#pragma once

#include "core/analysis/statistics.h"

#include <QWidget>

#include <optional>

class QChartView;
class QLabel;
class QValueAxis;

namespace lieq::ui {

class LayerMetricsModel;
class RefreshCoalescer;

// The method's validation at a glance: dPPL against dr per layer, with Spearman, Pearson and
// Kendall coefficients, their p-values and bootstrap confidence intervals (core/analysis).
// Follows the model coalesced (RefreshCoalescer): one recomputation per burst of layers.
class CorrelationView : public QWidget
{
    Q_OBJECT
public:
    struct Stats
    {
        analysis::Correlation spearman, pearson, kendall;
        analysis::ConfidenceInterval spearmanCi, pearsonCi, kendallCi;
        int layers = 0;
    };

    explicit CorrelationView(LayerMetricsModel *model, QWidget *parent = nullptr);

    // Statistics of the layers that have both metrics; none with fewer than 3 such layers.
    // Accessors reflect the model's current state (a pending refresh happens first).
    const std::optional<Stats> &stats() const;
    QString statsText() const;
    int pointCount() const;
    // The axes' ranges as drawn.
    QPair<double, double> xRange() const;
    QPair<double, double> yRange() const;
    static constexpr int kBootstrapResamples = 1000;

public Q_SLOTS:
    void refresh(); // schedules a recomputation

protected:
    void changeEvent(QEvent *e) override;

private:
    void recompute();
    static void setPaddedRange(QValueAxis *axis, const std::vector<double> &values);
    LayerMetricsModel *m_model;
    RefreshCoalescer *m_refresh;
    QChartView *m_chart;
    QLabel *m_text;
    std::optional<Stats> m_stats;
};

} // namespace lieq::ui
