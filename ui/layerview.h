#pragma once

#include "ui/translatedtexts.h"

#include <QWidget>

class QCheckBox;
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
    QCheckBox *logScaleBox() const { return m_logDppl; } // the dPPL chart on a log axis
    void setStatusText(const QString &text);
    QPushButton *analyzeButton() const { return m_analyze; }
    QPushButton *cancelButton() const { return m_cancel; }
    void setAnalysisRunning(bool running);
    // Run analysis needs an open model.
    void setModelOpen(bool open);

Q_SIGNALS:
    void pinRequested(int layer); // show the pin menu for this layer
    void analyzeRequested();
    void cancelRequested();


private:
    void retranslate();
    void updateButtons();
    void scheduleFit();
    void fitTableWidth();
    LayerMetricsModel *m_model;
    QTableView *m_table;
    LayerChart *m_charts[3];
    CorrelationView *m_correlation;
    QComboBox *m_mode;
    QCheckBox *m_logDppl;
    QLabel *m_modeLabel;
    QLabel *m_status;
    QPushButton *m_analyze;
    QPushButton *m_cancel;
    bool m_running = false;
    bool m_modelOpen = false;
    bool m_fitPending = false;
    TranslatedTexts m_texts{staticMetaObject};
};

} // namespace lieq::ui
