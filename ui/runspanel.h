#pragma once

#include <QWidget>

class QCheckBox;
class QChartView;
class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QTableView;

namespace lieq::ui {

class RunQueue;
class RunQueueModel;

// Runs: settings for a quantization run (backend, group size, symmetry, act-order,
// calibration size), the queue with per-run progress, ETA and Cancel, and the results as a
// table and a PPL-vs-bits chart with the Pareto front highlighted.
class RunsPanel : public QWidget
{
    Q_OBJECT
public:
    RunsPanel(RunQueue *queue, QWidget *parent = nullptr);

    QTableView *table() const { return m_table; }
    QPushButton *quantizeButton() const { return m_quantize; }
    QPushButton *evaluateButton() const { return m_evaluate; }
    QPushButton *cancelButton() const { return m_cancel; }
    int chartPointCount() const;
    int paretoPointCount() const;

    QString backend() const;
    int groupSize() const;
    bool symmetric() const;
    bool actOrder() const;
    int calibrationSamples() const;

Q_SIGNALS:
    void quantizeRequested(); // the workbench fills the request from the plan and settings
    void evaluateRequested();

public Q_SLOTS:
    void refreshChart();

protected:
    void changeEvent(QEvent *e) override;

private:
    void retranslate();
    void updateButtons();
    RunQueue *m_queue;
    RunQueueModel *m_model;
    QComboBox *m_backend;
    QSpinBox *m_group;
    QCheckBox *m_sym;
    QCheckBox *m_actOrder;
    QSpinBox *m_calib;
    QPushButton *m_quantize;
    QPushButton *m_evaluate;
    QPushButton *m_cancel;
    QTableView *m_table;
    QChartView *m_chart;
    QLabel *m_backendLabel, *m_groupLabel, *m_calibLabel;
};

} // namespace lieq::ui
