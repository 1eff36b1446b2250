#include "ui/settingsdialog.h"
#include "ui/retranslator.h"

#include "ui/appsettings.h"
#include "ui/languagemanager.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QThread>
#include <QToolButton>
#include <QVBoxLayout>

namespace lieq::ui {

SettingsDialog::SettingsDialog(QWidget *parent) : QDialog(parent)
{
    auto *outer = new QVBoxLayout(this);
    m_form = new QFormLayout;
    outer->addLayout(m_form);

    m_threads = new QSpinBox(this);
    m_threads->setRange(1, std::max(1, QThread::idealThreadCount() * 2));
    m_device = new QComboBox(this);
    m_device->addItem(QStringLiteral("CPU"), QStringLiteral("cpu"));
    m_device->addItem(QStringLiteral("CUDA"), QStringLiteral("cuda"));
    if (!AppSettings::cudaAvailable()) {
        // Shown but disabled, so the user learns the option exists and why it is off.
        auto *model = qobject_cast<QStandardItemModel *>(m_device->model());
        model->item(1)->setEnabled(false);
    }
    m_calibration = pathRow(QStringLiteral("calibration"), false, false);
    m_evaluation = pathRow(QStringLiteral("evaluation"), false, false);
    m_dataDir = pathRow(QStringLiteral("dataDir"), true, false);
    m_store = pathRow(QStringLiteral("store"), false, true);
    m_language = new QComboBox(this);
    for (const auto &[code, name] : LanguageManager::available())
        m_language->addItem(name, code);

    m_form->addRow(QStringLiteral(" "), m_threads);
    m_form->addRow(QStringLiteral(" "), m_device);
    m_form->addRow(QStringLiteral(" "), m_rows[0]);
    m_form->addRow(QStringLiteral(" "), m_rows[1]);
    m_form->addRow(QStringLiteral(" "), m_rows[2]);
    m_form->addRow(QStringLiteral(" "), m_rows[3]);
    m_form->addRow(QStringLiteral(" "), m_language);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel |
                                         QDialogButtonBox::Apply, this);
    outer->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, [this] {
        apply();
        accept();
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_buttons->button(QDialogButtonBox::Apply), &QPushButton::clicked, this,
            &SettingsDialog::apply);
    Retranslator::attach(this, [this] { retranslate(); });
    load();
    resize(560, sizeHint().height());
}

QLineEdit *SettingsDialog::pathRow(const QString &objectName, bool directory, bool save)
{
    auto *row = new QWidget(this);
    auto *h = new QHBoxLayout(row);
    h->setContentsMargins(0, 0, 0, 0);
    auto *edit = new QLineEdit(row);
    edit->setObjectName(objectName);
    edit->setClearButtonEnabled(true);
    auto *browse = new QToolButton(row);
    browse->setText(QStringLiteral("…"));
    h->addWidget(edit, 1);
    h->addWidget(browse);
    connect(browse, &QToolButton::clicked, this, [this, edit, directory, save] {
        QString p;
        if (directory)
            p = QFileDialog::getExistingDirectory(this, tr("Choose folder"), edit->text());
        else if (save)
            p = QFileDialog::getSaveFileName(this, tr("Choose file"), edit->text(),
                                             tr("SQLite database (*.sqlite *.db)"));
        else
            p = QFileDialog::getOpenFileName(this, tr("Choose file"), edit->text(),
                                             tr("Text data (*.txt *.jsonl *.json);;All files (*)"));
        if (!p.isEmpty())
            edit->setText(p);
    });
    m_rows.append(row);
    return edit;
}

void SettingsDialog::retranslate()
{
    setWindowTitle(tr("Settings"));
    const QString labels[] = {tr("Threads:"),           tr("Device:"),
                              tr("Calibration data:"),  tr("Evaluation data:"),
                              tr("Task data folder:"),  tr("Experiment store:"),
                              tr("Language:")};
    for (int i = 0; i < m_form->rowCount() && i < 7; ++i)
        if (auto *item = m_form->itemAt(i, QFormLayout::LabelRole))
            if (auto *l = qobject_cast<QLabel *>(item->widget()))
                l->setText(labels[i]);
    m_device->setToolTip(AppSettings::cudaAvailable()
                             ? tr("Where analysis and runs compute: the GPU or the CPU")
                             : tr("CUDA is not available: this libtorch has no CUDA or sees no GPU"));
    m_threads->setToolTip(tr("Threads the engine uses for matrix work (analysis and runs)"));
    m_dataDir->setToolTip(tr("Folder with the zero-shot task files: piqa/valid.jsonl and valid-labels.lst, "
                             "arc/ARC-All-answers_columns.csv, hellaswag/hellaswag_val_full.txt.bz2, "
                             "winogrande/dev.jsonl, boolq/dev.jsonl (and wikitext-2-raw/ for perplexity). "
                             "README.md, \"Task data\", says where to get them."));
}

void SettingsDialog::load()
{
    m_threads->setValue(AppSettings::threads());
    m_device->setCurrentIndex(std::max(0, m_device->findData(AppSettings::device())));
    m_calibration->setText(AppSettings::calibrationData());
    m_evaluation->setText(AppSettings::evaluationData());
    m_dataDir->setText(AppSettings::dataDirectory());
    m_store->setText(AppSettings::storePath());
    m_language->setCurrentIndex(std::max(0, m_language->findData(AppSettings::language())));
}

void SettingsDialog::apply()
{
    AppSettings::setThreads(m_threads->value());
    AppSettings::setDevice(m_device->currentData().toString());
    AppSettings::setCalibrationData(m_calibration->text().trimmed());
    AppSettings::setEvaluationData(m_evaluation->text().trimmed());
    AppSettings::setDataDirectory(m_dataDir->text().trimmed());
    AppSettings::setStorePath(m_store->text().trimmed());
    const QString lang = m_language->currentData().toString();
    AppSettings::setLanguage(lang);
    LanguageManager::apply(lang);
    Q_EMIT settingsApplied();
}

} // namespace lieq::ui
