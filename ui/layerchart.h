#pragma once

#include <QChartView>

#include <string>

namespace lieq::ui {

class LayerMetricsModel;

// One diagnostic (dPPL, dr or dE) against layer index, as a layer-mean line or one line per
// projection. Redraws from the model whenever its metrics change (a few dozen points: cheap
// enough to rebuild, which keeps the series and the table consistent by construction).
class LayerChart : public QChartView
{
    Q_OBJECT
public:
    enum class Mode { LayerMean, PerProjection };

    LayerChart(LayerMetricsModel *model, std::string metric, QWidget *parent = nullptr);

    void setMode(Mode mode);
    Mode mode() const { return m_mode; }
    void setTitle(const QString &title);
    int seriesCount() const;
    int pointCount() const; // points over all series
    const std::string &metric() const { return m_metric; }

Q_SIGNALS:
    void layerClicked(int layer);

public Q_SLOTS:
    void refresh();

private:
    LayerMetricsModel *m_model;
    std::string m_metric;
    Mode m_mode = Mode::LayerMean;
    QString m_title;
};

} // namespace lieq::ui
