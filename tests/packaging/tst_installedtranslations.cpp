// The GUI reads its translation from the installed location (<exe dir>/../share/lieq-workbench/
// translations) before the copy embedded in the binary, so a package's .qm files are the ones
// used. This test plays the installed layout: it compiles a German .qm whose "Version %1"
// differs from the embedded one into that folder relative to its own executable, switches to
// German, and checks which text the About dialog's strings resolve to.
#include "ui/languagemanager.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

class TestInstalledTranslations : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void embeddedWhenNothingInstalled();
    void installedWins();

private:
    QString m_dir;
    bool m_created = false;
};

void TestInstalledTranslations::initTestCase()
{
    m_dir = lieq::ui::LanguageManager::installedTranslationsDir();
    QVERIFY2(!QFileInfo::exists(m_dir + QStringLiteral("/lieq_de.qm")),
             qPrintable(m_dir + QStringLiteral(" already holds lieq_de.qm; not overwriting it")));
}

void TestInstalledTranslations::cleanupTestCase()
{
    lieq::ui::LanguageManager::apply(QStringLiteral("en"));
    if (m_created)
        QDir(QDir::cleanPath(m_dir + QStringLiteral("/../.."))).removeRecursively();
}

void TestInstalledTranslations::embeddedWhenNothingInstalled()
{
    QVERIFY(lieq::ui::LanguageManager::apply(QStringLiteral("de")));
    QCOMPARE(QCoreApplication::translate("lieq::ui::AboutDialog", "Version %1"), QStringLiteral("Version %1"));
    QCOMPARE(QCoreApplication::translate("lieq::ui::AboutDialog", "About LieQ Workbench"),
             QString::fromUtf8("Über LieQ Workbench"));
    QVERIFY(lieq::ui::LanguageManager::apply(QStringLiteral("en")));
}

void TestInstalledTranslations::installedWins()
{
    QFile ts(QStringLiteral(LIEQ_SOURCE_DIR "/translations/lieq_de.ts"));
    QVERIFY(ts.open(QIODevice::ReadOnly));
    QByteArray text = ts.readAll();
    const QByteArray from("<source>Version %1</source>\n        <translation>Version %1</translation>");
    QVERIFY2(text.contains(from), "lieq_de.ts no longer has the expected 'Version %1' entry");
    text.replace(from, "<source>Version %1</source>\n        <translation>Installierte Version %1</translation>");

    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    QFile modified(tmp.filePath(QStringLiteral("lieq_de.ts")));
    QVERIFY(modified.open(QIODevice::WriteOnly));
    modified.write(text);
    modified.close();
    m_created = !QFileInfo::exists(QDir::cleanPath(m_dir + QStringLiteral("/../..")));
    QVERIFY(QDir().mkpath(m_dir));
    QProcess lrelease;
    lrelease.start(QStringLiteral(LIEQ_LRELEASE), {QStringLiteral("-silent"), modified.fileName(), QStringLiteral("-qm"),
                                                  m_dir + QStringLiteral("/lieq_de.qm")});
    QVERIFY(lrelease.waitForFinished(60000));
    QVERIFY2(lrelease.exitCode() == 0, lrelease.readAllStandardError().constData());

    QVERIFY(lieq::ui::LanguageManager::apply(QStringLiteral("de")));
    QCOMPARE(QCoreApplication::translate("lieq::ui::AboutDialog", "Version %1"), QStringLiteral("Installierte Version %1"));
    QFile::remove(m_dir + QStringLiteral("/lieq_de.qm"));
}

QTEST_GUILESS_MAIN(TestInstalledTranslations)
#include "tst_installedtranslations.moc"
