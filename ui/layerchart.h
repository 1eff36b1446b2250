#pragma once

#include <QChartView>

#include <string>

class QAbstractAxis;
class QValueAxis;

namespace lieq::ui {

class LayerMetricsModel;
class RefreshCoalescer;

// One diagnostic (dPPL, dr or dE) against layer index, as a layer-mean line or one line per
// projection. Follows the model's changes coalesced (at most one redraw per 100 ms, none while
// hidden); a redraw replaces the points of the existing lines and only rebuilds the series when
// their set changes (mode switch, new projections), which keeps the chart's layout work off the
// GUI thread's hot path while an analysis streams in.
class LayerChart : public QChartView
{
    Q_OBJECT
public:
    enum class Mode { LayerMean, PerProjection };

    LayerChart(LayerMetricsModel *model, std::string metric, QWidget *parent = nullptr);

    void setMode(Mode mode);
    Mode mode() const { return m_mode; }
    // A logarithmic value axis, so that one outlier layer does not flatten the others. Values <= 0
    // cannot be drawn there and are left out (the title says how many).
    void setLogScale(bool on);
    bool hasLogAxis() const; // as drawn
    void setTitle(const QString &title);
    // As drawn for the model's current state (a pending redraw happens first).
    int seriesCount() const;
    int pointCount() const; // points over all series
    int redrawCount() const;
    const std::string &metric() const { return m_metric; }

Q_SIGNALS:
    void layerClicked(int layer);

public Q_SLOTS:
    void refresh(); // schedules a redraw

private:
    void redraw();
    void rebuild(const QStringList &names);
    LayerMetricsModel *m_model;
    std::string m_metric;
    Mode m_mode = Mode::LayerMean;
    bool m_log = false;
    QString m_title;
    RefreshCoalescer *m_refresh;
    QValueAxis *m_x = nullptr;
    QAbstractAxis *m_y = nullptr;
};

} // namespace lieq::ui
