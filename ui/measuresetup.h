#pragma once

#include "core/jobs/measure_job.h"

#include <QObject>

class QAction;
class QMenu;

namespace lieq::ui {

class KeyedJob;
class Workbench;

// The measure pass in the workbench: a "Measure sensitivity" action (in `menu` when given)
// runs it on the open model with the Runs view's backend, group size and symmetry, at the
// budget panel's low and high bits, on the workbench's calibration data; opening a model
// reloads its newest stored measure run. Either way the result feeds the budget panel's
// plan drivers (measured sensitivity, measured gains, predicted damage and curves). Owned by
// the window.
class MeasureSetup : public QObject
{
    Q_OBJECT
public:
    MeasureSetup(Workbench &wb, QMenu *menu);

    QAction *action() const { return m_action; }
    // Starts the pass on the open model (a message when no model or no calibration data).
    void start();
    // Applies the newest finished measure run of the model in the store, if there is one.
    void loadLatest(const QString &modelDir);

Q_SIGNALS:
    // The budget panel has the pass's result (after a run or a reload from the store).
    void measureApplied(std::int64_t runId);

private:
    void apply(const jobs::MeasureJobResult &result);
    Workbench &m_wb;
    KeyedJob *m_job; // the pass
    KeyedJob *m_load; // reading a stored pass (fingerprints the model folder)
    QAction *m_action;
};

} // namespace lieq::ui
