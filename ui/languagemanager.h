#pragma once

#include <QList>
#include <QPair>
#include <QString>

class QTranslator;

namespace lieq::ui {

// Installs the UI translation at run time: the installed .qm (installedTranslationsDir()) when
// present, else the one embedded under :/i18n. Widgets react to the
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
    // <exe dir>/../share/lieq-workbench/translations, where the packages put the .qm files.
    static QString installedTranslationsDir();

private:
    static QTranslator *s_translator;
    static QTranslator *s_qtTranslator;
    static QString s_current;
};

} // namespace lieq::ui
