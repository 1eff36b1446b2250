#pragma once

#include "ui/sweepform.h"

#include <QObject>

class QAction;
class QMenu;

namespace lieq::ui {

class SweepDialog;
class SweepsPanel;
class Workbench;

// The grid a new sweep starts from: the open model, the workbench's calibration and evaluation
// data, the budget panel's budget and bit set, and the Runs view's backend, group size,
// symmetry, act-order, calibration samples and zero-shot tasks.
SweepForm::Defaults sweepDefaults(const Workbench &wb);

// Sweeps in the workbench: the Sweeps view (collected sweeps, the PPL/KL-vs-bits chart), a
// "Sweep…" action (in `menu`, else the window's Tools menu; also the view's New sweep button)
// that opens one Sweep dialog filled from sweepDefaults(), History/Sweeps refreshed when a local
// sweep has been collected (History shows each run's sweep itself). Owned by the window.
class SweepSetup : public QObject
{
    Q_OBJECT
public:
    SweepSetup(Workbench &wb, QMenu *menu);

    SweepsPanel *panel() const { return m_panel; }
    QAction *action() const { return m_action; }
    // The dialog, created on first use (kept: a local run outlives closing it), refilled from
    // the workbench and shown.
    SweepDialog *openDialog();
    void setStorePath(const QString &path);

private:
    Workbench &m_wb;
    SweepsPanel *m_panel;
    QAction *m_action;
    SweepDialog *m_dialog = nullptr;
    QString m_store;
};

} // namespace lieq::ui
