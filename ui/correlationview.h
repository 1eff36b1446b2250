#pragma once

#include "core/analysis/statistics.h"

#include <QWidget>

#include <map>
#include <optional>
#include <string>
#include <vector>

class QChartView;
class QComboBox;
class QLabel;
class QValueAxis;

namespace lieq::ui {

class LayerMetricsModel;
class RefreshCoalescer;

// The method's validation at a glance: any two per-layer series against each other (default:
// dPPL against dr) with Spearman, Pearson and Kendall coefficients, their p-values and bootstrap
// confidence intervals (core/analysis). Series: dPPL, dr and dE from the model, and whatever
// the workbench adds (the measure pass's sensitivity and gains). Follows the model coalesced
// (RefreshCoalescer): one recomputation per burst of layers.
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

    // Extra per-layer series offered besides the model's metrics (key -> values, NaN = none);
    // an empty vector removes the key.
    void setSeries(const std::string &key, const QString &label, std::vector<double> values);
    // Which series are on the axes (keys: "dppl", "dr", "dE", or one given to setSeries).
    void setAxes(const std::string &x, const std::string &y);
    std::string xKey() const;
    std::string yKey() const;
    QComboBox *xBox() const { return m_xBox; }
    QComboBox *yBox() const { return m_yBox; }
    static constexpr int kBootstrapResamples = 1000;

public Q_SLOTS:
    void refresh(); // schedules a recomputation


private:
    void recompute();
    void fillBoxes();
    std::vector<double> values(const std::string &key) const;
    QString labelOf(const std::string &key) const;
    static void setPaddedRange(QValueAxis *axis, const std::vector<double> &values);
    LayerMetricsModel *m_model;
    std::map<std::string, std::pair<QString, std::vector<double>>> m_extra;
    QComboBox *m_xBox;
    QComboBox *m_yBox;
    RefreshCoalescer *m_refresh = nullptr;
    QChartView *m_chart;
    QLabel *m_text;
    std::optional<Stats> m_stats;
};

} // namespace lieq::ui
