#include "ui/languagemanager.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>

namespace lieq::ui {

QTranslator *LanguageManager::s_translator = nullptr;
QTranslator *LanguageManager::s_qtTranslator = nullptr;
QString LanguageManager::s_current = QStringLiteral("en");

QList<QPair<QString, QString>> LanguageManager::available()
{
    // Names in their own language: a user who cannot read the current UI still finds theirs.
    return {{QStringLiteral("en"), QStringLiteral("English")},
            {QStringLiteral("de"), QStringLiteral("Deutsch")},
            {QStringLiteral("zh_CN"), QString::fromUtf8("简体中文")}};
}

QString LanguageManager::current() { return s_current; }

QString LanguageManager::installedTranslationsDir()
{
    return QCoreApplication::applicationDirPath() + QStringLiteral("/../share/lieq-workbench/translations");
}

bool LanguageManager::apply(const QString &code)
{
    if (code == s_current)
        return true;
    if (s_translator) {
        QCoreApplication::removeTranslator(s_translator);
        delete s_translator;
        s_translator = nullptr;
    }
    if (s_qtTranslator) {
        QCoreApplication::removeTranslator(s_qtTranslator);
        delete s_qtTranslator;
        s_qtTranslator = nullptr;
    }
    if (code.isEmpty() || code == QLatin1StringView("en")) {
        s_current = QStringLiteral("en");
        QLocale::setDefault(QLocale(QLocale::English));
        // Removing a translator also sends LanguageChange, so widgets return to English.
        return true;
    }
    // The installed .qm first (a translator can update it without a rebuild), else the copy
    // embedded in the binary, which works wherever the program runs from.
    auto *t = new QTranslator;
    const QString file = QStringLiteral("lieq_") + code + QStringLiteral(".qm");
    if (!t->load(installedTranslationsDir() + QLatin1Char('/') + file) &&
        !t->load(QStringLiteral(":/i18n/") + file)) {
        delete t;
        s_current = QStringLiteral("en");
        return false;
    }
    // Qt's own strings (standard buttons, file dialogs) when the system has them.
    auto *qt = new QTranslator;
    if (qt->load(QStringLiteral("qtbase_") + code, QLibraryInfo::path(QLibraryInfo::TranslationsPath))) {
        s_qtTranslator = qt;
        QCoreApplication::installTranslator(qt);
    } else {
        delete qt;
    }
    s_translator = t;
    QCoreApplication::installTranslator(t);
    QLocale::setDefault(QLocale(code));
    s_current = code;
    return true;
}

} // namespace lieq::ui
