#pragma once

#include <QObject>

#include <functional>

class QEvent;
class QWidget;

namespace lieq::ui {

// Keeps a widget's texts in the current language: runs `retranslate` once now and again on
// every QEvent::LanguageChange the widget receives (LanguageManager::apply sends it to every
// widget). One place for what each widget's changeEvent override did; it lives as a child of
// the widget and goes with it.
class Retranslator : public QObject
{
public:
    static void attach(QWidget *widget, std::function<void()> retranslate);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    Retranslator(QWidget *widget, std::function<void()> retranslate);
    std::function<void()> m_retranslate;
};

} // namespace lieq::ui
