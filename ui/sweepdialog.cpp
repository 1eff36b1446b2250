#include "ui/sweepdialog.h"

#include "core/jobs/sweep_job.h"
#include "core/sweep/cost_estimate.h"
#include "core/sweep/local_executor.h"
#include "core/sweep/process.h"
#include "core/sweep/slurm_executor.h"
#include "core/sweep/sweep_folder.h"
#include "core/sweep/sweep_status.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "ui/jobrunner.h"

#include <QCoreApplication>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QStandardPaths>
#include <QVBoxLayout>

namespace lieq::ui {

namespace {

const QString kKey = QStringLiteral("sweep");

// lieq beside this program (installed, or app/cli in the build tree), else on the PATH.
QString defaultProgram()
{
    const QString here = QCoreApplication::applicationDirPath();
    const QStringList candidates{here + QStringLiteral("/lieq"), here + QStringLiteral("/../cli/lieq")};
    for (const QString &candidate : candidates)
        if (QFileInfo(candidate).isExecutable())
            return QFileInfo(candidate).canonicalFilePath();
    return QString::fromStdString(sweep::findProgram("lieq"));
}

QString duration(double seconds)
{
    if (seconds < 120)
        return QObject::tr("%1 s").arg(qRound(seconds));
    if (seconds < 7200)
        return QObject::tr("%1 min").arg(seconds / 60, 0, 'f', 1);
    return QObject::tr("%1 h").arg(seconds / 3600, 0, 'f', 1);
}

struct LocalOutcome
{
    sweep::LocalRunReport run;
    jobs::CollectReport collect;
};

} // namespace

SweepDialog::SweepDialog(JobRunner *jobs, const QString &storePath, QWidget *parent)
    : QDialog(parent), m_jobs(jobs), m_store(storePath), m_program(defaultProgram()),
      m_sbatch(QString::fromStdString(sweep::findProgram("sbatch")))
{
    setWindowTitle(tr("Sweep"));
    auto *top = new QFormLayout;
    m_name = new QLineEdit(QStringLiteral("sweep"), this);
    top->addRow(tr("Name"), m_name);
    m_folder = new QLineEdit(this);
    auto *browse = new QPushButton(tr("Browse..."), this);
    auto *folderRow = new QHBoxLayout;
    folderRow->addWidget(m_folder, 1);
    folderRow->addWidget(browse);
    top->addRow(tr("Sweep folder"), folderRow);

    m_form = new SweepForm(this);
    auto *scroll = new QScrollArea(this);
    scroll->setWidget(m_form);
    scroll->setWidgetResizable(true);

    m_summary = new QLabel(this);
    m_summary->setWordWrap(true);
    m_workers = new QSpinBox(this);
    m_workers->setRange(1, 256);
    m_workers->setToolTip(tr("worker processes at once on this machine"));
    auto *runRow = new QHBoxLayout;
    runRow->addWidget(new QLabel(tr("Local workers"), this));
    runRow->addWidget(m_workers);
    runRow->addStretch();

    m_slurm = new QGroupBox(tr("Slurm"), this);
    auto *slurmForm = new QFormLayout(m_slurm);
    m_partition = new QLineEdit(m_slurm);
    m_time = new QLineEdit(QStringLiteral("02:00:00"), m_slurm);
    m_mem = new QLineEdit(m_slurm);
    m_gres = new QLineEdit(m_slurm);
    m_gres->setPlaceholderText(QStringLiteral("gpu:1"));
    slurmForm->addRow(tr("Partition"), m_partition);
    slurmForm->addRow(tr("Time per cell"), m_time);
    slurmForm->addRow(tr("Memory per cell"), m_mem);
    slurmForm->addRow(tr("Generic resources"), m_gres);
    m_slurm->setEnabled(slurmAvailable());
    m_slurm->setToolTip(slurmAvailable() ? m_sbatch : tr("sbatch was not found on the PATH"));

    m_progress = new QProgressBar(this);
    m_progress->setVisible(false);
    m_run = new QPushButton(tr("Run locally"), this);
    m_submit = new QPushButton(tr("Submit to Slurm"), this);
    m_submit->setEnabled(slurmAvailable());
    m_submit->setToolTip(m_slurm->toolTip());
    m_cancel = new QPushButton(tr("Cancel run"), this);
    m_cancel->setEnabled(false);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    buttons->addButton(m_run, QDialogButtonBox::ActionRole);
    buttons->addButton(m_submit, QDialogButtonBox::ActionRole);
    buttons->addButton(m_cancel, QDialogButtonBox::ActionRole);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(scroll, 1);
    layout->addWidget(m_summary);
    layout->addLayout(runRow);
    layout->addWidget(m_slurm);
    layout->addWidget(m_progress);
    layout->addWidget(buttons);
    resize(640, 720);

    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Sweep folder"));
        if (!dir.isEmpty())
            setFolder(dir);
    });
    connect(m_form, &SweepForm::changed, this, &SweepDialog::updateGrid);
    connect(m_name, &QLineEdit::textChanged, this, &SweepDialog::updateGrid);
    connect(m_run, &QPushButton::clicked, this, &SweepDialog::runLocally);
    connect(m_submit, &QPushButton::clicked, this, &SweepDialog::submitToSlurm);
    connect(m_cancel, &QPushButton::clicked, this, [this] { m_jobs->cancelKey(kKey); });
    connect(m_jobs, &JobRunner::progress, this, [this](const JobProgress &p) {
        if (p.key != kKey)
            return;
        m_progress->setRange(0, static_cast<int>(std::max<qint64>(1, p.total)));
        m_progress->setValue(static_cast<int>(p.done));
        m_progress->setFormat(tr("%1 of %2 cells").arg(p.done).arg(p.total));
    });
    m_jobs->watchKey(
        kKey, this,
        [this](const QString &msg) {
            m_summary->setText(tr("Sweep failed: %1").arg(msg));
            Q_EMIT sweepFailed(msg);
        },
        [this] {
            m_summary->setText(tr("Sweep cancelled: running cells were stopped and recorded as failed; "
                                  "finished cells are kept. Run it again to resume."));
        });
    connect(m_jobs, &JobRunner::finished, this, [this](JobId, const QString &key) {
        if (key == kKey)
            setBusy(false);
    });
    setFolder(defaultFolder(QStringLiteral("sweep")));
    updateGrid();
}

QString SweepDialog::defaultFolder(const QString &name) const
{
    // Beside the experiment store (as the workbench's checkpoints are), one folder per sweep name:
    // running the same name again resumes it.
    const QString base = m_store.isEmpty() ? QStandardPaths::writableLocation(QStandardPaths::HomeLocation)
                                           : QFileInfo(m_store).absolutePath();
    return QDir(base).filePath(QStringLiteral("sweeps/") + name + QStringLiteral(".sweep"));
}

void SweepDialog::setWorkerProgram(const QString &path)
{
    m_program = path;
    updateGrid();
}

bool SweepDialog::isRunning() const { return m_jobs->isKeyBusy(kKey); }

void SweepDialog::setDefaults(const SweepForm::Defaults &d)
{
    m_form->setDefaults(d);
    if (!d.model.isEmpty()) {
        m_name->setText(QFileInfo(d.model).fileName() + QStringLiteral("-sweep"));
        setFolder(defaultFolder(m_name->text()));
    }
}

void SweepDialog::setFolder(const QString &dir)
{
    m_folder->setText(dir);
    updateGrid();
}

QString SweepDialog::folder() const { return m_folder->text(); }

QString SweepDialog::costText() const { return m_summary->text(); }

void SweepDialog::updateGrid()
{
    m_cells = 0;
    try {
        const sweep::SweepSpec spec = m_form->spec(m_name->text(), folder() + QStringLiteral("/spec.json"));
        const sweep::Expansion grid = sweep::expandCells(spec);
        const sweep::SweepCost cost = sweep::estimateSweep(grid.cells, spec);
        m_cells = static_cast<int>(grid.cells.size());
        m_seconds = cost.totalSeconds;
        QString text = (m_cells == 1 ? tr("1 cell") : tr("%1 cells").arg(m_cells)) +
                       tr(", about %1 of one worker").arg(duration(cost.totalSeconds));
        if (cost.unknownCells > 0)
            text += tr("; cells whose model cannot be read: %1").arg(cost.unknownCells);
        if (!grid.skipped.empty())
            text += tr("; combinations skipped: %1").arg(grid.skipped.size());
        if (m_program.isEmpty())
            text += tr(". lieq was not found beside this program or on the PATH: the grid can only be "
                       "submitted to Slurm with lieq on the nodes' PATH");
        m_summary->setText(text);
    } catch (const std::exception &e) {
        m_summary->setText(tr("Not a runnable grid: %1").arg(QString::fromUtf8(e.what())));
    }
    const bool busy = m_jobs->isKeyBusy(kKey);
    m_run->setEnabled(m_cells > 0 && !busy && !m_program.isEmpty());
    m_submit->setEnabled(m_cells > 0 && !busy && slurmAvailable());
}

std::shared_ptr<const sweep::SweepFolder> SweepDialog::prepareFolder()
{
    if (!QDir().mkpath(folder())) {
        m_summary->setText(tr("Cannot create the sweep folder %1").arg(folder()));
        return nullptr;
    }
    const std::string specPath = QDir(folder()).filePath(QStringLiteral("spec.json")).toStdString();
    writeFileAtomic(specPath, m_form->specJson(m_name->text()).toStdString());
    return std::make_shared<const sweep::SweepFolder>(
        sweep::SweepFolder::createOrUpdate(folder().toStdString(), sweep::loadSweepSpec(specPath)));
}

void SweepDialog::setBusy(bool busy)
{
    m_progress->setVisible(busy);
    m_cancel->setEnabled(busy);
    updateGrid();
}

void SweepDialog::runLocally()
{
    try {
        const auto dir = prepareFolder();
        if (!dir) return;
        sweep::LocalRunOptions o;
        o.program = m_program.toStdString();
        o.workers = m_workers->value();
        const jobs::JobContext ctx = jobContext(m_store);
        m_job = m_jobs->start<LocalOutcome>(
            kKey,
            [dir, o, ctx](const ProgressFn &progress) {
                LocalOutcome out;
                out.run = sweep::runLocal(*dir, o, progress);
                out.collect = jobs::collectSweep(*dir, sweep::sweepStatus(*dir, false), ctx);
                return out;
            },
            [this](LocalOutcome out) {
                m_summary->setText(tr("Finished: %1 cells done, %2 failed, %3 already done; "
                                      "collected into the experiment store.")
                                       .arg(out.run.done).arg(out.run.failed).arg(out.run.skipped));
                Q_EMIT sweepCollected(out.collect.sweepId, out.run.done, out.run.failed);
            });
        setBusy(true);
    } catch (const std::exception &e) {
        m_summary->setText(tr("Cannot run the sweep: %1").arg(QString::fromUtf8(e.what())));
        Q_EMIT sweepFailed(QString::fromUtf8(e.what()));
    }
}

void SweepDialog::submitToSlurm()
{
    try {
        const auto dir = prepareFolder();
        if (!dir) return;
        sweep::SlurmOptions o;
        // Never this GUI's own executable: lieq beside it, else lieq on the nodes' PATH.
        o.program = m_program.isEmpty() ? std::string("lieq") : m_program.toStdString();
        o.partition = m_partition->text().toStdString();
        o.time = m_time->text().toStdString();
        o.mem = m_mem->text().toStdString();
        o.gres = m_gres->text().toStdString();
        const sweep::SlurmSubmission sub = sweep::submitSlurm(*dir, o);
        m_summary->setText(tr("Submitted Slurm job array %1 (tasks %2). Follow it with "
                              "`lieq sweep status %3`; gather it with `lieq sweep collect %3`.")
                               .arg(QString::fromStdString(sub.jobId), QString::fromStdString(sub.array),
                                    folder()));
        Q_EMIT sweepSubmitted(QString::fromStdString(sub.jobId), folder());
    } catch (const std::exception &e) {
        m_summary->setText(tr("Cannot submit the sweep: %1").arg(QString::fromUtf8(e.what())));
        Q_EMIT sweepFailed(QString::fromUtf8(e.what()));
    }
}

} // namespace lieq::ui
