#include "ui/runexportdialog.h"

#include "core/export/gguf_tensor_encoder.h"
#include "ui/aboutdialog.h"
#include "ui/exporttarget.h"
#include "ui/messagelabel.h"
#include "ui/retranslator.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

namespace lieq::ui {

RunExportDialog::RunExportDialog(JobRunner *jobs, QString storePath, std::vector<exchange::RunRef> runs,
                                 QWidget *parent)
    : QDialog(parent), m_jobs(jobs), m_storePath(std::move(storePath)), m_runs(std::move(runs))
{
    m_texts.set(this, &QWidget::setWindowTitle, QT_TR_NOOP("Export runs"));
    auto *outer = new QVBoxLayout(this);
    m_runsLabel = new QLabel(this);
    outer->addWidget(m_runsLabel);
    QString base = QStringLiteral("lieq");
    for (const auto &r : m_runs)
        base += QLatin1Char('-') + QString::fromStdString(r.text());
    m_target = new ExportTarget(base, this);
    outer->addWidget(m_target);

    m_gguf = m_texts.text(new QCheckBox(this),
                          QT_TR_NOOP("GGUF with the plan's per-tensor types (llama.cpp, Ollama, LM Studio)"));
    m_embedType = m_texts.set(new QComboBox(this), &QWidget::setToolTip,
                              QT_TR_NOOP("Type of the token embeddings and the output layer"));
    m_embedType->addItems({QStringLiteral("q6_K"), QStringLiteral("q8_0"), QStringLiteral("f16")});
    m_gptq = m_texts.text(new QCheckBox(this), QT_TR_NOOP("GPTQ checkpoint (vLLM, GPTQModel, transformers)"));
    m_gptqFormat = m_texts.set(new QComboBox(this), &QWidget::setToolTip,
                               QT_TR_NOOP("auto: v1 unless a zero point is 0 (then v2, which GPTQModel reads)"));
    m_gptqFormat->addItems({QStringLiteral("auto"), QStringLiteral("v1"), QStringLiteral("v2")});
    m_pdf = m_texts.text(new QCheckBox(this), QT_TR_NOOP("Report (PDF)"));
    m_html = m_texts.text(new QCheckBox(this), QT_TR_NOOP("Report (HTML)"));
    m_bundle = m_texts.text(new QCheckBox(this),
                            QT_TR_NOOP("Bundle (zip: report, plans, metrics, runs for File ▸ Import)"));
    m_withCheckpoint = m_texts.text(new QCheckBox(this), QT_TR_NOOP("with checkpoints"));
    auto row = [&](QWidget *a, QWidget *b) {
        auto *h = new QHBoxLayout;
        h->addWidget(a, 1);
        if (b)
            h->addWidget(b);
        outer->addLayout(h);
    };
    row(m_gguf, m_embedType);
    row(m_gptq, m_gptqFormat);
    row(m_pdf, nullptr);
    row(m_html, nullptr);
    row(m_bundle, m_withCheckpoint);
    const bool one = oneQuantRun();
    m_gguf->setEnabled(one);
    m_embedType->setEnabled(one);
    m_gptq->setEnabled(one);
    m_gptqFormat->setEnabled(one);
    m_pdf->setChecked(true);
    m_withCheckpoint->setEnabled(false);
    connect(m_bundle, &QCheckBox::toggled, m_withCheckpoint, &QWidget::setEnabled);

    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1000);
    m_progress->setValue(0);
    m_status = newMessageLabel(this);
    outer->addWidget(m_progress);
    outer->addWidget(m_status);
    auto *buttons = new QHBoxLayout;
    m_export = m_texts.text(new QPushButton(this), QT_TR_NOOP("Export"));
    m_cancel = m_texts.text(new QPushButton(this), QT_TR_NOOP("Cancel"));
    m_close = m_texts.text(new QPushButton(this), QT_TR_NOOP("Close"));
    buttons->addStretch(1);
    buttons->addWidget(m_export);
    buttons->addWidget(m_cancel);
    buttons->addWidget(m_close);
    outer->addLayout(buttons);
    m_export->setDefault(true);
    m_cancel->setEnabled(false);

    connect(m_export, &QPushButton::clicked, this, &RunExportDialog::startExport);
    connect(m_cancel, &QPushButton::clicked, this, &RunExportDialog::cancelExport);
    connect(m_close, &QPushButton::clicked, this, &RunExportDialog::reject);
    connect(m_jobs, &JobRunner::progress, this, [this](const JobProgress &p) {
        if (p.id != m_job)
            return;
        m_progress->setValue(int(p.fraction * 1000));
        m_status->setText(p.stage + (p.detail.isEmpty() ? QString() : QStringLiteral(": ") + p.detail));
    });
    connect(m_jobs, &JobRunner::failed, this, [this](JobId id, const QString &, const QString &message) {
        if (id != m_job)
            return;
        m_status->setText(message);
        Q_EMIT exportFailed(message);
    });
    connect(m_jobs, &JobRunner::cancelled, this, [this](JobId id) {
        if (id != m_job)
            return;
        m_status->setText(tr("Cancelled. The file being written was removed; earlier ones are kept."));
        Q_EMIT exportCancelled();
    });
    connect(m_jobs, &JobRunner::finished, this, [this](JobId id) {
        if (id == m_job)
            setBusy(false);
    });
    Retranslator::attach(this, [this] { retranslate(); });
    resize(560, sizeHint().height());
}

bool RunExportDialog::oneQuantRun() const
{
    return m_runs.size() == 1 && m_runs.front().kind == store::RunKind::Quant;
}

void RunExportDialog::setDirectory(const QString &dir) { m_target->setDirectory(dir); }
void RunExportDialog::setBaseName(const QString &name) { m_target->setBaseName(name); }

bundle::RunExportRequest RunExportDialog::request() const
{
    bundle::RunExportRequest r;
    r.runs = m_runs;
    const QString base = QDir(m_target->directory()).filePath(m_target->baseName());
    auto path = [&base](const char *suffix) { return QString(base + QLatin1String(suffix)).toStdString(); };
    if (m_gguf->isChecked() && m_gguf->isEnabled()) {
        r.ggufPath = path(".gguf");
        r.gguf.embeddingType = ggufTypeFromName(m_embedType->currentText().toStdString());
        r.gguf.outputType = r.gguf.embeddingType;
    }
    if (m_gptq->isChecked() && m_gptq->isEnabled()) {
        r.gptqDir = path("-gptq");
        const int f = m_gptqFormat->currentIndex();
        r.gptq.format = f == 1 ? GptqFormat::V1 : f == 2 ? GptqFormat::V2 : GptqFormat::Auto;
    }
    if (m_pdf->isChecked())
        r.reportPdf = path(".pdf");
    if (m_html->isChecked())
        r.reportHtml = path(".html");
    if (m_bundle->isChecked()) {
        r.bundlePath = path(".lieqbundle.zip");
        r.bundleCheckpoints = m_withCheckpoint->isChecked();
    }
    r.versions = {{"LieQ Workbench", AboutDialog::versionString().toStdString()}, {"Qt", qVersion()}};
    return r;
}

void RunExportDialog::setBusy(bool busy)
{
    if (!busy)
        m_job = 0;
    m_export->setEnabled(!busy);
    m_cancel->setEnabled(busy);
    for (QWidget *w : std::initializer_list<QWidget *>{m_target, m_pdf, m_html, m_bundle})
        w->setEnabled(!busy);
}

void RunExportDialog::startExport()
{
    const bundle::RunExportRequest r = request();
    if (r.ggufPath.empty() && r.gptqDir.empty() && r.reportPdf.empty() && r.reportHtml.empty() && r.bundlePath.empty()) {
        m_status->setText(tr("Choose at least one thing to export."));
        return;
    }
    if (!QDir(m_target->directory()).exists()) {
        m_status->setText(tr("The folder %1 does not exist.").arg(m_target->directory()));
        return;
    }
    const QString store = m_storePath;
    m_progress->setValue(0);
    m_status->setText(tr("Exporting…"));
    m_job = m_jobs->start<bundle::RunExportResult>(
        QStringLiteral("run-export"),
        [r, store](const lieq::ProgressFn &progress) {
            jobs::JobContext ctx;
            ctx.progress = progress;
            ctx.store.path = store.toStdString();
            return bundle::runExports(r, ctx);
        },
        [this](bundle::RunExportResult result) {
            QStringList files, lines;
            for (const auto &f : result.files)
                files << QString::fromStdString(f);
            for (const auto &l : result.lines)
                lines << QString::fromStdString(l);
            for (const auto &w : result.warnings)
                lines << tr("Warning: %1").arg(QString::fromStdString(w));
            m_progress->setValue(1000);
            m_status->setText(tr("Written:") + QLatin1Char('\n') + lines.join(QLatin1Char('\n')));
            Q_EMIT exportAvailable(files);
        });
    setBusy(true);
}

void RunExportDialog::cancelExport()
{
    if (m_job)
        m_jobs->cancel(m_job);
}

void RunExportDialog::reject()
{
    cancelExport();
    QDialog::reject();
}

void RunExportDialog::retranslate()
{
    m_texts.apply();
    QStringList names;
    for (const auto &r : m_runs)
        names << QString::fromStdString(r.text());
    m_runsLabel->setText(tr("Runs: %1").arg(names.join(QStringLiteral(", "))));
    if (!oneQuantRun()) {
        m_gguf->setToolTip(tr("Select exactly one quantization run in History"));
        m_gptq->setToolTip(m_gguf->toolTip());
    }
}

} // namespace lieq::ui
