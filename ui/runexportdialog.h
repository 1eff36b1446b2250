#pragma once

#include "core/exchange/run_ref.h"
#include "ui/bundle/run_exports.h"
#include "ui/jobrunner.h"
#include "ui/translatedtexts.h"

#include <QDialog>

#include <vector>

class QCheckBox;
class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;

namespace lieq::ui {

class ExportTarget;
// Exports stored runs (chosen in History): a GGUF and a GPTQ checkpoint of one quantization
// run, the report as PDF and HTML, and a bundle of all of them, in a worker thread with a
// progress bar and Cancel. Every file is written atomically and recorded in the store, so
// History lists where it went.
class RunExportDialog : public QDialog
{
    Q_OBJECT
public:
    RunExportDialog(JobRunner *jobs, QString storePath, std::vector<exchange::RunRef> runs,
                    QWidget *parent = nullptr);

    void setDirectory(const QString &dir);
    void setBaseName(const QString &name);
    bundle::RunExportRequest request() const;
    void startExport();
    void cancelExport();
    bool isExporting() const { return m_job != 0; }

    QCheckBox *ggufBox() const { return m_gguf; }
    QCheckBox *gptqBox() const { return m_gptq; }
    QCheckBox *pdfBox() const { return m_pdf; }
    QCheckBox *htmlBox() const { return m_html; }
    QCheckBox *bundleBox() const { return m_bundle; }
    QCheckBox *checkpointBox() const { return m_withCheckpoint; }
    QLabel *statusLabel() const { return m_status; }

Q_SIGNALS:
    void exportAvailable(const QStringList &files);
    void exportFailed(const QString &message);
    void exportCancelled();

protected:
    void reject() override; // closing while exporting cancels first

private:
    void retranslate();
    void setBusy(bool busy);
    bool oneQuantRun() const;

    JobRunner *m_jobs;
    QString m_storePath;
    std::vector<exchange::RunRef> m_runs;
    JobId m_job = 0;
    QLabel *m_runsLabel, *m_status;
    ExportTarget *m_target;
    QCheckBox *m_gguf, *m_gptq, *m_pdf, *m_html, *m_bundle, *m_withCheckpoint;
    QComboBox *m_embedType, *m_gptqFormat;
    QProgressBar *m_progress;
    QPushButton *m_export, *m_cancel, *m_close;
    TranslatedTexts m_texts{staticMetaObject};
};

} // namespace lieq::ui
