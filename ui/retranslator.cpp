#include "ui/retranslator.h"

#include <QEvent>
#include <QWidget>

namespace lieq::ui {

Retranslator::Retranslator(QWidget *widget, std::function<void()> retranslate)
    : QObject(widget), m_retranslate(std::move(retranslate))
{
    widget->installEventFilter(this);
}

void Retranslator::attach(QWidget *widget, std::function<void()> retranslate)
{
    retranslate();
    new Retranslator(widget, std::move(retranslate)); // owned by the widget
}

bool Retranslator::eventFilter(QObject *watched, QEvent *event)
{
    // Before the widget's own handling, as the changeEvent overrides did: children get the
    // event after their parent has retranslated.
    if (event->type() == QEvent::LanguageChange && watched == parent())
        m_retranslate();
    return false;
}

} // namespace lieq::ui
