#pragma once

#include <QList>
#include <QPair>
#include <QString>

class QTranslator;

namespace lieq::ui {

// Installs the UI translation (embedded .qm under :/i18n) at run time. Widgets react to the
// QEvent::LanguageChange that installing a translator sends and retranslate their texts.
class LanguageManager
{
public:
    // (code, native name) of every language the UI ships, English first.
    static QList<QPair<QString, QString>> available();
    // Switches the application's language; returns false (and keeps English) when the
    // translation is missing.
    static bool apply(const QString &code);
    static QString current();

private:
    static QTranslator *s_translator;
    static QTranslator *s_qtTranslator;
    static QString s_current;
};

} // namespace lieq::ui
