#include "ui/aboutdialog.h"
#include "ui/retranslator.h"

#include "lieq_ui_version.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QVBoxLayout>

namespace lieq::ui {

AboutDialog::AboutDialog(QWidget *parent) : QDialog(parent)
{
    auto *layout = new QVBoxLayout(this);
    auto *icon = new QLabel(this);
    icon->setPixmap(QIcon(QStringLiteral(":/icons/lieq.png")).pixmap(64, 64));
    icon->setAlignment(Qt::AlignCenter);
    m_text = new QLabel(this);
    m_text->setObjectName(QStringLiteral("aboutText"));
    m_text->setTextFormat(Qt::RichText);
    m_text->setOpenExternalLinks(true);
    m_text->setWordWrap(true);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(icon);
    layout->addWidget(m_text);
    layout->addWidget(buttons);
    Retranslator::attach(this, [this] { retranslate(); });
    setMinimumWidth(420);
}

QString AboutDialog::versionString()
{
    return QStringLiteral(LIEQ_UI_VERSION " (" LIEQ_UI_GIT_HASH ")");
}

void AboutDialog::retranslate()
{
    setWindowTitle(tr("About LieQ Workbench"));
    m_text->setText(QStringLiteral("<h3>LieQ Workbench</h3><p>") + tr("Version %1").arg(versionString()) +
                    QStringLiteral("</p><p>") +
                    tr("Layer-wise mixed-precision post-training quantization of small language "
                       "models, after the LieQ method (arXiv 2508.03332).") +
                    QStringLiteral("</p><p>") + tr("Built with Qt %1.").arg(QString::fromLatin1(qVersion())) +
                    QStringLiteral("</p>"));
}

} // namespace lieq::ui
