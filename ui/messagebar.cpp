#include "ui/messagebar.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QStyle>
#include <QToolButton>

namespace lieq::ui {

MessageBar::MessageBar(QWidget *parent) : QFrame(parent)
{
    setObjectName(QStringLiteral("messageBar"));
    setFrameShape(QFrame::StyledPanel);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 4, 4, 4);
    m_icon = new QLabel(this);
    m_text = new QLabel(this);
    m_text->setWordWrap(true);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_close = new QToolButton(this);
    m_close->setAutoRaise(true);
    m_close->setIcon(style()->standardIcon(QStyle::SP_TitleBarCloseButton));
    m_close->setToolTip(tr("Close"));
    layout->addWidget(m_icon);
    layout->addWidget(m_text, 1);
    layout->addWidget(m_close);
    connect(m_close, &QToolButton::clicked, this, &QWidget::hide);
    m_autoHide.setSingleShot(true);
    connect(&m_autoHide, &QTimer::timeout, this, &QWidget::hide);
    hide();
}

void MessageBar::showMessage(Kind kind, const QString &text)
{
    m_kind = kind;
    QStyle::StandardPixmap icon = QStyle::SP_MessageBoxInformation;
    QString colour = QStringLiteral("#e8f1fb");
    if (kind == Kind::Warning) {
        icon = QStyle::SP_MessageBoxWarning;
        colour = QStringLiteral("#fff4d6");
    } else if (kind == Kind::Error) {
        icon = QStyle::SP_MessageBoxCritical;
        colour = QStringLiteral("#fde2e1");
    }
    setStyleSheet(QStringLiteral("#messageBar { background: ") + colour +
                  QStringLiteral("; border: 1px solid #c9c9c9; border-radius: 3px; }"));
    m_icon->setPixmap(style()->standardIcon(icon).pixmap(20, 20));
    m_text->setText(text);
    show();
    // Errors stay until closed; notices go away by themselves.
    if (kind == Kind::Info)
        m_autoHide.start(8000);
    else
        m_autoHide.stop();
}

QString MessageBar::text() const { return isVisible() ? m_text->text() : QString(); }

} // namespace lieq::ui
