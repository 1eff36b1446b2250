#pragma once

#include "ui/exporter.h"

#include <QDialog>

#include <vector>

class QCheckBox;
class QDialogButtonBox;
class QLabel;

namespace lieq::ui {

class ExportTarget;
class JobRunner;

// One dialog for every export of the current model and plan: plan JSON, per-layer metrics
// (JSON/CSV) and an F16 GGUF now; reports, quantized checkpoints and bundles join as extra
// check boxes when their core writers exist. The writing runs through the JobRunner.
class ExportDialog : public QDialog
{
    Q_OBJECT
public:
    // `request` carries the data (plan, sizes, layer rows, checkpoint); the dialog sets the
    // folder, base name and which files.
    ExportDialog(JobRunner *jobs, ExportRequest request, QWidget *parent = nullptr);

    ExportRequest request() const;
    void setDirectory(const QString &dir);
    void startExport();

Q_SIGNALS:
    void exportAvailable(const QStringList &files);
    void exportFailed(const QString &message);


private:
    void retranslate();
    JobRunner *m_jobs;
    ExportRequest m_request;
    ExportTarget *m_target;
    std::vector<QCheckBox *> m_files; // one per file kind, in kFiles order
    QLabel *m_status;
    QDialogButtonBox *m_buttons;
};

} // namespace lieq::ui
