#include "ui/exportdialog.h"

#include "ui/exporttarget.h"
#include "ui/jobrunner.h"
#include "ui/retranslator.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace lieq::ui {

ExportDialog::ExportDialog(JobRunner *jobs, ExportRequest request, QWidget *parent)
    : QDialog(parent), m_jobs(jobs), m_request(std::move(request))
{
    auto *outer = new QVBoxLayout(this);
    m_target = new ExportTarget(QString::fromStdString(m_request.baseName), this);
    outer->addWidget(m_target);
    m_plan = new QCheckBox(this);
    m_json = new QCheckBox(this);
    m_csv = new QCheckBox(this);
    m_gguf = new QCheckBox(this);
    m_plan->setChecked(m_request.plan.has_value());
    m_plan->setEnabled(m_request.plan.has_value());
    m_json->setChecked(true);
    m_csv->setChecked(true);
    m_gguf->setEnabled(m_request.checkpoint != nullptr);
    for (QCheckBox *b : {m_plan, m_json, m_csv, m_gguf})
        outer->addWidget(b);
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
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
    r.planJson = m_plan->isChecked();
    r.metricsJson = m_json->isChecked();
    r.metricsCsv = m_csv->isChecked();
    r.ggufF16 = m_gguf->isChecked();
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
    m_plan->setText(tr("Bit plan (JSON)"));
    m_json->setText(tr("Layer metrics and plan report (JSON)"));
    m_csv->setText(tr("Layer metrics (CSV)"));
    m_gguf->setText(tr("Model as F16 GGUF (llama.cpp)"));
}

} // namespace lieq::ui
