#include "ui/exportdialog.h"

#include "ui/exporttarget.h"
#include "ui/jobrunner.h"
#include "ui/messagelabel.h"
#include "ui/retranslator.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

#include <iterator>

namespace lieq::ui {

namespace {

// The files the dialog offers: the request's switch for each and its label.
struct FileChoice
{
    bool ExportRequest::*chosen;
    const char *label;
};

const FileChoice kFiles[] = {
    {&ExportRequest::planJson, QT_TRANSLATE_NOOP("lieq::ui::ExportDialog", "Bit plan (JSON)")},
    {&ExportRequest::metricsJson, QT_TRANSLATE_NOOP("lieq::ui::ExportDialog", "Layer metrics and plan report (JSON)")},
    {&ExportRequest::metricsCsv, QT_TRANSLATE_NOOP("lieq::ui::ExportDialog", "Layer metrics (CSV)")},
    {&ExportRequest::ggufF16, QT_TRANSLATE_NOOP("lieq::ui::ExportDialog", "Model as F16 GGUF (llama.cpp)")},
};

// Whether the request holds what the file is written from (a plan, a checkpoint).
bool canWrite(const ExportRequest &r, bool ExportRequest::*chosen)
{
    if (chosen == &ExportRequest::planJson)
        return r.plan.has_value();
    if (chosen == &ExportRequest::ggufF16)
        return r.checkpoint != nullptr;
    return true;
}

} // namespace

ExportDialog::ExportDialog(JobRunner *jobs, ExportRequest request, QWidget *parent)
    : QDialog(parent), m_jobs(jobs), m_request(std::move(request))
{
    auto *outer = new QVBoxLayout(this);
    m_target = new ExportTarget(QString::fromStdString(m_request.baseName), this);
    outer->addWidget(m_target);
    // Checked as the request's defaults choose, where it can be written.
    for (const FileChoice &f : kFiles) {
        auto *box = new QCheckBox(this);
        const bool possible = canWrite(m_request, f.chosen);
        box->setEnabled(possible);
        box->setChecked(possible && m_request.*f.chosen);
        outer->addWidget(box);
        m_files.push_back(box);
    }
    m_status = newMessageLabel(this);
    outer->addWidget(m_status);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Close, this);
    outer->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &ExportDialog::startExport);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    Retranslator::attach(this, [this] { retranslate(); });
    resize(520, sizeHint().height());
}

void ExportDialog::setDirectory(const QString &dir) { m_target->setDirectory(dir); }

ExportRequest ExportDialog::request() const
{
    ExportRequest r = m_request;
    r.directory = m_target->directory().toStdString();
    r.baseName = m_target->baseName().toStdString();
    for (std::size_t i = 0; i < std::size(kFiles); ++i)
        r.*kFiles[i].chosen = m_files[i]->isChecked();
    return r;
}

void ExportDialog::startExport()
{
    const ExportRequest r = request();
    m_buttons->button(QDialogButtonBox::Save)->setEnabled(false);
    m_status->setText(tr("Exporting…"));
    const JobId id = m_jobs->start<std::vector<std::string>>(
        QStringLiteral("export"), [r](const lieq::ProgressFn &p) { return runExport(r, p); },
        [this](std::vector<std::string> files) {
            QStringList list;
            for (const auto &f : files)
                list << QString::fromStdString(f);
            m_status->setText(tr("Written:") + QStringLiteral("\n") + list.join(QLatin1Char('\n')));
            m_buttons->button(QDialogButtonBox::Save)->setEnabled(true);
            Q_EMIT exportAvailable(list);
        });
    auto conn = std::make_shared<QMetaObject::Connection>();
    *conn = connect(m_jobs, &JobRunner::finished, this, [this, id, conn](JobId done) {
        if (done != id)
            return;
        QObject::disconnect(*conn);
        m_buttons->button(QDialogButtonBox::Save)->setEnabled(true);
    });
    connect(m_jobs, &JobRunner::failed, this, [this, id](JobId j, const QString &, const QString &msg) {
        if (j != id)
            return;
        m_status->setText(msg);
        Q_EMIT exportFailed(msg);
    });
}

void ExportDialog::retranslate()
{
    setWindowTitle(tr("Export"));
    for (std::size_t i = 0; i < std::size(kFiles); ++i)
        m_files[i]->setText(tr(kFiles[i].label));
}

} // namespace lieq::ui
