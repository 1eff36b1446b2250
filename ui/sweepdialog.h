#pragma once

#include "ui/sweepform.h"

#include <QDialog>

#include <memory>

class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QGroupBox;

namespace lieq::sweep {
class SweepFolder;
}

namespace lieq::ui {

class JobRunner;

// Builds a sweep grid from the current model and plan settings, shows the cell count and the
// estimated cost as the grid changes, and runs it: locally through a bounded pool of `lieq`
// worker processes (in a JobRunner job: progress, Cancel), then collected into the experiment
// store; or submitted to Slurm as one job array when sbatch is on the PATH. The spec is written
// into the sweep folder (spec.json), so `lieq sweep` can resume or inspect it.
class SweepDialog : public QDialog
{
    Q_OBJECT
public:
    SweepDialog(JobRunner *jobs, const QString &storePath, QWidget *parent = nullptr);

    SweepForm *form() const { return m_form; }
    void setDefaults(const SweepForm::Defaults &d);
    // The lieq executable workers run (default: lieq beside this program).
    void setWorkerProgram(const QString &path);
    void setFolder(const QString &dir);
    QString folder() const;

    int cellCount() const { return m_cells; }
    QString costText() const;
    QPushButton *runButton() const { return m_run; }
    QPushButton *slurmButton() const { return m_submit; }
    QPushButton *cancelButton() const { return m_cancel; }
    QLineEdit *slurmPartition() const { return m_partition; }
    bool slurmAvailable() const { return !m_sbatch.isEmpty(); }
    bool isRunning() const; // a local run is in progress

    void runLocally();
    void submitToSlurm();

Q_SIGNALS:
    // Local run finished (failed cells included) and collected: History should refresh.
    void sweepCollected(qint64 sweepId, int done, int failed);
    void sweepSubmitted(const QString &jobId, const QString &folder);
    void sweepFailed(const QString &message);

private:
    void updateGrid();
    QString defaultFolder(const QString &name) const;
    // Writes the form's spec.json into the sweep folder and opens the folder for it; null, with
    // the reason shown, when the folder cannot be created. Throws on a spec that does not load.
    std::shared_ptr<const sweep::SweepFolder> prepareFolder();
    void setBusy(bool busy);
    JobRunner *m_jobs;
    QString m_store;
    QString m_program;
    QString m_sbatch;
    SweepForm *m_form;
    QLineEdit *m_name, *m_folder;
    QLabel *m_summary;
    QSpinBox *m_workers;
    QGroupBox *m_slurm;
    QLineEdit *m_partition, *m_time, *m_mem, *m_gres;
    QProgressBar *m_progress;
    QPushButton *m_run, *m_submit, *m_cancel;
    int m_cells = 0;
    double m_seconds = 0;
    quint64 m_job = 0;
};

} // namespace lieq::ui
