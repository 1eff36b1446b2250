#pragma once

#include <QWidget>

class QComboBox;
class QLabel;
class QPushButton;
class QTableView;

namespace lieq::ui {

class CorrelationView;
class LayerChart;
class LayerMetricsModel;

// Layer inspection: the per-layer table beside dPPL, dr and dE charts (layer mean or per
// projection) and the dPPL-vs-dr correlation. The views fill in as layer results arrive in
// the model; clicking a layer (table or chart) asks for a pin.
class LayerView : public QWidget
{
    Q_OBJECT
public:
    explicit LayerView(LayerMetricsModel *model, QWidget *parent = nullptr);

    QTableView *table() const { return m_table; }
    LayerChart *chart(int i) const { return m_charts[i]; } // 0 dPPL, 1 dr, 2 dE
    CorrelationView *correlation() const { return m_correlation; }
    QComboBox *modeBox() const { return m_mode; }
    void setStatusText(const QString &text);
    QPushButton *analyzeButton() const { return m_analyze; }
    QPushButton *cancelButton() const { return m_cancel; }
    void setAnalysisRunning(bool running);

Q_SIGNALS:
    void pinRequested(int layer); // show the pin menu for this layer
    void analyzeRequested();
    void cancelRequested();

protected:
    void changeEvent(QEvent *e) override;

private:
    void retranslate();
    LayerMetricsModel *m_model;
    QTableView *m_table;
    LayerChart *m_charts[3];
    CorrelationView *m_correlation;
    QComboBox *m_mode;
    QLabel *m_modeLabel;
    QLabel *m_status;
    QPushButton *m_analyze;
    QPushButton *m_cancel;
};

} // namespace lieq::ui
