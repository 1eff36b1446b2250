#pragma once

#include "core/data/calibration.h"
#include "ui/exporter.h"
#include "ui/runrequest.h"

#include <QObject>
#include <QWidget>
#include <QString>

#include <memory>

namespace lieq::ui {

class AnalysisController;
class BudgetPanel;
class HistoryPanel;
class LayerMetricsModel;
class LayerView;
class MeasureSetup;
class MainWindow;
class RunQueue;
class RunQueueModel;
class RunsPanel;

// Assembles the main window with its views and wires them to each other; the GUI's main()
// and the screenshot test both go through it so that they show the same application.
class Workbench : public QObject
{
    Q_OBJECT
public:
    Workbench();
    ~Workbench() override;

    static QString version();
    MainWindow *window() const { return m_window.get(); }
    LayerMetricsModel *layers() const { return m_layers; }
    LayerView *layerView() const { return m_layerView; }
    BudgetPanel *budget() const { return m_budget; }
    RunQueue *runQueue() const { return m_queue; }
    RunsPanel *runsPanel() const { return m_runs; }
    HistoryPanel *history() const { return m_history; }
    AnalysisController *analysis() const { return m_analysis; }
    MeasureSetup *measure() const { return m_measure; }
    // Layer diagnostics of the open model on the calibration data (core/data's defaults).
    void startAnalysis(int samples = int(kDefaultCalibrationSamples),
                       int seqlen = int(kDefaultCalibrationSeqlen));
    // The current plan, sizes, layer metrics and checkpoint, for the Export dialog.
    ExportRequest exportRequest() const;

    // Shows the window and opens `model` (or the most recent model) when given.
    void show(const QString &model);
    // Opens `model`, saves a PNG of every view into `dir`, returns 0 on success (for xvfb runs).
    // With `data` (a text file) it first runs a small analysis and an FP16 evaluation so that
    // the views show real content.
    int runScreenshots(const QString &model, const QString &dir, const QString &data = {});

    // Data a run or analysis uses when started now: the Settings' files, else the standard set
    // in the data folder, else the demo model's validation.txt (empty when none).
    QString calibrationData() const;
    QString evaluationData() const;
    QString taskDataDirectory() const; // the task data folder (Settings), or empty
    static QString demoModelPath();    // core/util findDemoModel(), empty when none

private:
    void onModelOpened();
    static void settle(QWidget &w, const QString &file, bool &ok);
    void applySettings();
    RunRequest baseRequest() const; // model, data, device, threads, store, tasks
    QString checkpointFolder(const RunRequest &r) const;

    std::unique_ptr<MainWindow> m_window;
    LayerMetricsModel *m_layers;
    LayerView *m_layerView;
    BudgetPanel *m_budget;
    RunQueueModel *m_runModel;
    RunQueue *m_queue;
    RunsPanel *m_runs;
    HistoryPanel *m_history;
    AnalysisController *m_analysis;
    MeasureSetup *m_measure = nullptr;
    QString m_pendingReopenPath; // analysis to show once its model has opened
    std::shared_ptr<void> m_pendingDetail;
};

} // namespace lieq::ui
