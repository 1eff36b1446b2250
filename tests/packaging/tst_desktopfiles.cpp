// The desktop entry and AppStream metainfo that the packages install: valid by the freedesktop
// validators (skipped with a message when those are not installed) and consistent with each
// other, with the icon files and with the project version.
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QtEndian>
#include <QXmlStreamReader>
#include <QtTest>

namespace {

const QString appId = QStringLiteral("io.github.lieq.Workbench");

QString sourceFile(const QString &relative)
{
    return QStringLiteral(LIEQ_SOURCE_DIR "/packaging/") + relative;
}

QString metainfoFile()
{
    return QStringLiteral(LIEQ_PACKAGING_BINARY_DIR "/") + appId + QStringLiteral(".metainfo.xml");
}

// Runs a validator; returns its exit code, and its output in *out.
int validate(const QString &program, const QStringList &args, QString *out)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(program, args);
    if (!p.waitForStarted(10000) || !p.waitForFinished(60000))
        return -1;
    *out = QString::fromUtf8(p.readAll());
    return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
}

// The [Desktop Entry] keys, read as plain key=value lines (QSettings would mangle ';' lists).
QMap<QString, QString> desktopEntry()
{
    QMap<QString, QString> keys;
    QFile f(sourceFile(appId + QStringLiteral(".desktop")));
    if (!f.open(QIODevice::ReadOnly))
        return keys;
    for (const QByteArray &line : f.readAll().split('\n')) {
        const int eq = line.indexOf('=');
        if (eq > 0)
            keys.insert(QString::fromUtf8(line.left(eq)), QString::fromUtf8(line.mid(eq + 1)));
    }
    return keys;
}

} // namespace

class TestDesktopFiles : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void desktopEntryIsValid();
    void desktopEntryNamesInstalledThings();
    void metainfoIsValid();
    void metainfoMatchesProject();
    void iconsExist();
};

void TestDesktopFiles::desktopEntryIsValid()
{
    const QString tool = QStandardPaths::findExecutable(QStringLiteral("desktop-file-validate"));
    if (tool.isEmpty())
        QSKIP("desktop-file-validate is not installed (Debian: desktop-file-utils): validation skipped");
    QString out;
    const int rc = validate(tool, {sourceFile(appId + QStringLiteral(".desktop"))}, &out);
    QVERIFY2(rc == 0, qPrintable(out));
    // Hints are not errors, but this file should have none either.
    QVERIFY2(out.trimmed().isEmpty(), qPrintable(out));
}

void TestDesktopFiles::desktopEntryNamesInstalledThings()
{
    const auto keys = desktopEntry();
    QVERIFY2(!keys.isEmpty(), "cannot read the desktop file");
    QCOMPARE(keys.value(QStringLiteral("Icon")), appId);
    QCOMPARE(keys.value(QStringLiteral("TryExec")), QStringLiteral("lieq-workbench"));
    QVERIFY(keys.value(QStringLiteral("Exec")).startsWith(QStringLiteral("lieq-workbench ")));
    QVERIFY(keys.value(QStringLiteral("Categories")).split(QLatin1Char(';')).contains(QStringLiteral("Science")));
    // The GUI's translations have desktop-entry counterparts.
    QVERIFY(keys.contains(QStringLiteral("Comment[de]")));
    QVERIFY(keys.contains(QStringLiteral("Comment[zh_CN]")));
}

void TestDesktopFiles::metainfoIsValid()
{
    const QString tool = QStandardPaths::findExecutable(QStringLiteral("appstreamcli"));
    if (tool.isEmpty())
        QSKIP("appstreamcli is not installed (Debian: appstream): validation skipped");
    QString out;
    const int rc = validate(tool, {QStringLiteral("validate"), QStringLiteral("--no-net"), metainfoFile()}, &out);
    QVERIFY2(rc == 0, qPrintable(out));
    // Warnings fail appstreamcli already; infos ("I:") should not appear either.
    QVERIFY2(!out.contains(QStringLiteral("\nI: ")) && !out.startsWith(QStringLiteral("I: ")), qPrintable(out));
}

void TestDesktopFiles::metainfoMatchesProject()
{
    QFile f(metainfoFile());
    QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(metainfoFile()));
    QXmlStreamReader xml(&f);
    QString id, launchable, icon, license;
    QStringList releases, binaries;
    while (!xml.atEnd()) {
        if (xml.readNext() != QXmlStreamReader::StartElement)
            continue;
        const auto name = xml.name();
        if (name == QLatin1StringView("release"))
            releases << xml.attributes().value(QStringLiteral("version")).toString();
        else if (name == QLatin1StringView("id"))
            id = xml.readElementText();
        else if (name == QLatin1StringView("launchable"))
            launchable = xml.readElementText();
        else if (name == QLatin1StringView("icon"))
            icon = xml.readElementText();
        else if (name == QLatin1StringView("binary"))
            binaries << xml.readElementText();
        else if (name == QLatin1StringView("project_license"))
            license = xml.readElementText();
    }
    QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
    QCOMPARE(id, appId);
    QCOMPARE(launchable, appId + QStringLiteral(".desktop"));
    QCOMPARE(icon, appId);
    QVERIFY2(releases.contains(QStringLiteral(LIEQ_EXPECTED_VERSION)), qPrintable(releases.join(u',')));
    QCOMPARE(binaries, (QStringList{QStringLiteral("lieq"), QStringLiteral("lieq-workbench")}));
    // The licence of the project's LICENSE file, as an SPDX id.
    QCOMPARE(license, QStringLiteral("MIT"));
    QFile licenseFile(QStringLiteral(LIEQ_SOURCE_DIR "/LICENSE"));
    QVERIFY(licenseFile.open(QIODevice::ReadOnly));
    QVERIFY(licenseFile.readLine().startsWith("MIT License"));
}

void TestDesktopFiles::iconsExist()
{
    // A PNG (signature, then the IHDR chunk's width and height) of exactly the size that
    // hicolor/256x256/apps promises. Read by hand: this test does not link Qt Gui.
    QFile png(sourceFile(QStringLiteral("icons/") + appId + QStringLiteral(".png")));
    QVERIFY(png.open(QIODevice::ReadOnly));
    const QByteArray head = png.read(24);
    QCOMPARE(head.size(), 24);
    QCOMPARE(head.left(8), QByteArray("\x89PNG\r\n\x1a\n", 8));
    QCOMPARE(head.mid(12, 4), QByteArray("IHDR"));
    QCOMPARE(qFromBigEndian<quint32>(head.constData() + 16), 256u);
    QCOMPARE(qFromBigEndian<quint32>(head.constData() + 20), 256u);
    QFile svg(sourceFile(QStringLiteral("icons/") + appId + QStringLiteral(".svg")));
    QVERIFY(svg.open(QIODevice::ReadOnly));
    QXmlStreamReader xml(&svg);
    QVERIFY(xml.readNextStartElement());
    QCOMPARE(xml.name().toString(), QStringLiteral("svg"));
}

QTEST_GUILESS_MAIN(TestDesktopFiles)
#include "tst_desktopfiles.moc"
