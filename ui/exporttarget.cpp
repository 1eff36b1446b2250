#include "ui/exporttarget.h"

#include "ui/retranslator.h"

#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QToolButton>

namespace lieq::ui {

ExportTarget::ExportTarget(const QString &baseName, QWidget *parent) : QWidget(parent)
{
    auto *form = new QFormLayout(this);
    form->setContentsMargins(0, 0, 0, 0);
    auto *dirRow = new QHBoxLayout;
    m_dir = new QLineEdit(QDir::homePath(), this);
    auto *browse = new QToolButton(this);
    browse->setText(QStringLiteral("…"));
    dirRow->addWidget(m_dir, 1);
    dirRow->addWidget(browse);
    m_base = new QLineEdit(baseName, this);
    m_dirLabel = new QLabel(this);
    m_baseLabel = new QLabel(this);
    form->addRow(m_dirLabel, dirRow);
    form->addRow(m_baseLabel, m_base);
    connect(browse, &QToolButton::clicked, this, &ExportTarget::chooseDirectory);
    Retranslator::attach(this, [this] { retranslate(); });
}

QString ExportTarget::directory() const { return m_dir->text().trimmed(); }
QString ExportTarget::baseName() const { return m_base->text().trimmed(); }
void ExportTarget::setDirectory(const QString &dir) { m_dir->setText(dir); }
void ExportTarget::setBaseName(const QString &name) { m_base->setText(name); }

void ExportTarget::chooseDirectory()
{
    const QString d = QFileDialog::getExistingDirectory(this, tr("Export folder"), m_dir->text());
    if (!d.isEmpty())
        m_dir->setText(d);
}

void ExportTarget::retranslate()
{
    m_dirLabel->setText(tr("Folder:"));
    m_baseLabel->setText(tr("File name prefix:"));
}

} // namespace lieq::ui
