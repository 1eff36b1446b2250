#pragma once

#include "core/alloc/bit_plan.h"
#include "core/store/records.h"

#include "ui/tablemodel.h"

#include <map>
#include <optional>
#include <vector>

namespace lieq::ui {

// Per-layer diagnostics of one model as a table: dPPL, dr, dE (layer means), params, planned
// bits and pins. Filled incrementally: the analysis streams one layer's rows at a time
// (the same lieq::store::LayerMetric / ProjectionMetric rows the experiment store keeps, so a
// live run and a reopened one look the same), and each arrival updates just that row.
class LayerMetricsModel : public TableModel
{
    Q_OBJECT
public:
    enum Column { LayerCol, DpplCol, DrCol, DeCol, ParamsCol, BitsCol, PinnedCol, ColumnCount };
    enum Role { ValueRole = Qt::UserRole + 1 }; // raw double (NaN when absent)

    explicit LayerMetricsModel(QObject *parent = nullptr);

    // Starts over for a model with these per-layer decoder-linear parameter counts.
    void resetLayers(const std::vector<std::int64_t> &paramsPerLayer);
    void clearMetrics(); // keeps layers, plan and pins

    // One layer's results (rows may name any layers; each touched row is updated).
    void addMetrics(const std::vector<store::LayerMetric> &layerRows,
                    const std::vector<store::ProjectionMetric> &projectionRows = {});
    void setPlan(const alloc::BitPlan &plan);
    void setPins(const std::map<int, int> &pins);

    int layerCount() const { return int(m_layers.size()); }
    // NaN when absent. Metric names as the store's: "dppl", "dr", "dE".
    double layerMetric(int layer, const std::string &metric) const;
    double projectionMetric(int layer, const std::string &projection, const std::string &metric) const;
    // One value per layer (NaN where missing), for charts and statistics.
    std::vector<double> metricVector(const std::string &metric) const;
    std::vector<std::string> projectionsWith(const std::string &metric) const;
    int layersWith(const std::string &metric) const; // layers that have this metric
    std::int64_t layerParams(int layer) const;
    const std::map<int, int> &pins() const { return m_pins; }
    int bits(int layer) const; // 0 when no plan

    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    void layerUpdated(int layer);
    void metricsChanged(); // after any addMetrics/clearMetrics/reset

protected:
    int rows() const override;
    QStringList columnTitles() const override;

private:
    struct Layer
    {
        std::int64_t params = 0;
        std::map<std::string, double> metrics;
        std::map<std::pair<std::string, std::string>, double> projections; // (proj, metric)
        int bits = 0;
    };
    std::vector<Layer> m_layers;
    std::map<int, int> m_pins;
};

} // namespace lieq::ui
