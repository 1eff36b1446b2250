#pragma once

#include "core/jobs/evaluate_job.h"
#include "ui/translatedtexts.h"

#include <QWidget>

#include <string>
#include <vector>

class QCheckBox;
class QChartView;
class QComboBox;
class QLabel;
class QMenu;
class QPushButton;
class QSpinBox;
class QTableView;
class QTextBrowser;
class QToolButton;

namespace lieq::ui {

class RunQueue;
class RunQueueModel;

// Runs: settings for a quantization run (backend, group size, symmetry, act-order,
// calibration size, zero-shot tasks, checkpoint), the queue with per-run progress, ETA and
// Cancel, and the results as a table and a PPL-vs-bits chart with the Pareto front
// highlighted; two selected runs compare side by side.
class RunsPanel : public QWidget
{
    Q_OBJECT
public:
    RunsPanel(RunQueue *queue, QWidget *parent = nullptr);

    QTableView *table() const { return m_table; }
    QPushButton *quantizeButton() const { return m_quantize; }
    QPushButton *evaluateButton() const { return m_evaluate; }
    QPushButton *cancelButton() const { return m_cancel; }
    QPushButton *compareButton() const { return m_compareButton; }
    QTextBrowser *comparison() const { return m_compare; }
    QComboBox *backendBox() const { return m_backend; }
    QSpinBox *calibrationBox() const { return m_calib; }
    QSpinBox *groupSizeBox() const { return m_group; }
    QCheckBox *symmetricBox() const { return m_sym; }
    QMenu *tasksMenu() const { return m_tasksMenu; }
    int chartPointCount() const;
    int paretoPointCount() const;

    QString backend() const;
    int groupSize() const;
    bool symmetric() const;
    bool actOrder() const;
    int calibrationSamples() const;
    std::vector<std::string> tasks() const; // ticked zero-shot tasks (canonical names)
    void setTasks(const std::vector<std::string> &tasks);
    int taskLimit() const;
    void setTaskLimit(int items); // 0: all
    bool saveCheckpoint() const;
    QCheckBox *saveCheckpointBox() const { return m_save; }
    // The task data folder (Settings) and what it holds: tasks whose files are missing are
    // disabled, and the tooltips say which files and where to set the folder.
    void setTaskData(const QString &folder, const std::vector<jobs::TaskDataStatus> &status);
    // Queueing runs needs an open model.
    void setModelOpen(bool open);

    // Shows rows a and b side by side below the table.
    void compare(int rowA, int rowB);
    void selectRow(int row);

Q_SIGNALS:
    void quantizeRequested(); // the workbench fills the request from the plan and settings
    void evaluateRequested();
    void comparisonShown(const QString &html);

public Q_SLOTS:
    void refreshChart();


private:
    void retranslate();
    void updateButtons();
    QList<int> selectedRows() const;
    RunQueue *m_queue;
    RunQueueModel *m_model;
    QComboBox *m_backend;
    QSpinBox *m_group;
    QCheckBox *m_sym;
    QCheckBox *m_actOrder;
    QSpinBox *m_calib;
    QToolButton *m_tasksButton;
    QMenu *m_tasksMenu;
    QSpinBox *m_taskLimit;
    QCheckBox *m_save;
    QPushButton *m_quantize;
    QPushButton *m_evaluate;
    QPushButton *m_cancel;
    QPushButton *m_compareButton;
    QTableView *m_table;
    QChartView *m_chart;
    QTextBrowser *m_compare;
    QLabel *m_backendLabel, *m_groupLabel, *m_calibLabel, *m_limitLabel;
    bool m_modelOpen = false;
    QString m_taskFolder;
    std::vector<jobs::TaskDataStatus> m_taskStatus;
    TranslatedTexts m_texts{staticMetaObject};
    bool anyTaskData() const;
};

} // namespace lieq::ui
