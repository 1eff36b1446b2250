#pragma once

#include "core/jobs/sweep_job.h"

#include "ui/storepanel.h"

class QComboBox;
class QLabel;
class QPushButton;
class QTableWidget;

namespace lieq::ui {

class SweepChart;

// The sweeps collected into the experiment store: pick one, see every cell (plan, backend,
// state, bits, perplexity, KL, why it failed) and the whole grid on the PPL/KL-vs-bits chart.
// Store reads run in worker threads (JobRunner), one connection each. "New sweep..." asks the
// workbench for the Sweep dialog, filled from the open model and plan settings.
class SweepsPanel : public StorePanel
{
    Q_OBJECT
public:
    SweepsPanel(JobRunner *jobs, QWidget *parent = nullptr);

    // Its widgets are found by object name: sweepList, sweepMetric, sweepCells, sweepChart,
    // newSweep.
    void showSweep(qint64 sweepId);

Q_SIGNALS:
    void sweepsAvailable(int count);
    void sweepShown(qint64 sweepId, int cells);
    void newSweepRequested();
    void sweepsFailed(const QString &message);

public Q_SLOTS:
    void refresh() override; // re-reads the list (and the shown sweep)

private:
    void storeChanged() override;
    void fillCells(const jobs::SweepView &view);
    qint64 m_shown = -1;
    QComboBox *m_sweeps;
    QComboBox *m_metric;
    QPushButton *m_refresh, *m_new;
    QLabel *m_info;
    QTableWidget *m_cells;
    SweepChart *m_chart;
};

} // namespace lieq::ui
