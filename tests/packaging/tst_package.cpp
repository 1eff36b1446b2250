// The packages as a user gets them: cpack builds the .deb and the .tar.gz from this build folder,
// the .deb is unpacked into a scratch root with `dpkg -x` (no root rights, nothing installed on
// the machine), and the programs are run from there. The demo model must be found inside the
// scratch root, never in the source tree. Label `package`.
#include "lieq_version.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTranslator>
#include <QtTest>

namespace {

const QString appId = QStringLiteral("io.github.lieq.Workbench");

struct Result {
    int exitCode = -1;
    QString out; // stdout
    QString err; // stderr
    QString describe() const { return QStringLiteral("exit %1\n%2\n%3").arg(exitCode).arg(out.right(3000), err.right(3000)); }
};

Result run(const QString &program, const QStringList &args, const QString &workDir = {},
           const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment(), int timeoutMs = 600000)
{
    QProcess p;
    p.setProcessEnvironment(env);
    if (!workDir.isEmpty())
        p.setWorkingDirectory(workDir);
    p.start(program, args);
    Result r;
    if (!p.waitForStarted(20000)) {
        r.err = program + QStringLiteral(": cannot start");
        return r;
    }
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished(5000);
        r.err = program + QStringLiteral(": timed out");
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

// Files every package holds, relative to its prefix (/usr in the .deb, the top folder in the .tar.gz).
QStringList expectedFiles()
{
    QStringList files{QStringLiteral("bin/lieq"),
                      QStringLiteral("share/doc/lieq-workbench/README.md"),
                      QStringLiteral("share/doc/lieq-workbench/copyright"),
                      QStringLiteral("share/doc/lieq-workbench/LICENSE"),
                      QStringLiteral("share/applications/") + appId + QStringLiteral(".desktop"),
                      QStringLiteral("share/metainfo/") + appId + QStringLiteral(".metainfo.xml"),
                      QStringLiteral("share/icons/hicolor/256x256/apps/") + appId + QStringLiteral(".png"),
                      QStringLiteral("share/icons/hicolor/scalable/apps/") + appId + QStringLiteral(".svg")};
#ifdef LIEQ_TEST_HAVE_GUI
    files << QStringLiteral("bin/lieq-workbench") << QStringLiteral("share/lieq-workbench/translations/lieq_de.qm")
          << QStringLiteral("share/lieq-workbench/translations/lieq_zh_CN.qm");
#endif
    return files;
}

bool sourceHasDemoModel() { return QFileInfo::exists(QStringLiteral(LIEQ_SOURCE_DIR "/resources/demo-model/config.json")); }

} // namespace

class TestPackage : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void debControlFields();
    void debFileList();
    void installedCliReportsVersion();
    void installedGuiStarts();
    void installedTranslationsLoad();
    void installedDemoRuns();
    void tarballContents();

private:
    QString m_work;  // scratch folder under the build folder
    QString m_deb;
    QString m_tgz;
    QString m_root;  // the .deb unpacked
};

void TestPackage::initTestCase()
{
    for (const char *tool : {"dpkg", "dpkg-deb", "dpkg-shlibdeps", "tar"}) {
        if (QStandardPaths::findExecutable(QString::fromLatin1(tool)).isEmpty())
            QSKIP(qPrintable(QStringLiteral("%1 is not installed (Debian: dpkg-dev); package tests skipped").arg(QString::fromLatin1(tool))));
    }
    m_work = QStringLiteral(LIEQ_PACKAGING_TEST_DIR "/package-work");
    QDir(m_work).removeRecursively();
    QVERIFY(QDir().mkpath(m_work));

    // Its own output folder (-B), so that a parallel `--target package` or test run never collides.
    QElapsedTimer timer;
    timer.start();
    const Result cpack = run(QStringLiteral(LIEQ_CPACK),
                             {QStringLiteral("--config"), QStringLiteral(LIEQ_BINARY_DIR "/CPackConfig.cmake"),
                              QStringLiteral("-G"), QStringLiteral("DEB;TGZ"), QStringLiteral("-B"), m_work},
                             m_work);
    QVERIFY2(cpack.exitCode == 0, qPrintable(cpack.describe()));
    qInfo("cpack DEB+TGZ: %.1f s", timer.elapsed() / 1000.0);

    const QStringList debs = QDir(m_work).entryList({QStringLiteral("lieq-workbench_*.deb")}, QDir::Files);
    const QStringList tgzs = QDir(m_work).entryList({QStringLiteral("lieq-workbench-*.tar.gz")}, QDir::Files);
    QCOMPARE(debs.size(), 1);
    QCOMPARE(tgzs.size(), 1);
    m_deb = m_work + QLatin1Char('/') + debs.first();
    m_tgz = m_work + QLatin1Char('/') + tgzs.first();
    qInfo("%s: %.1f MB, %s: %.1f MB", qPrintable(debs.first()), QFileInfo(m_deb).size() / 1e6,
          qPrintable(tgzs.first()), QFileInfo(m_tgz).size() / 1e6);

    m_root = m_work + QStringLiteral("/root");
    const Result x = run(QStringLiteral("dpkg"), {QStringLiteral("-x"), m_deb, m_root});
    QVERIFY2(x.exitCode == 0, qPrintable(x.describe()));
}

void TestPackage::debControlFields()
{
    const Result f = run(QStringLiteral("dpkg-deb"), {QStringLiteral("-f"), m_deb});
    QVERIFY2(f.exitCode == 0, qPrintable(f.describe()));
    QMap<QString, QString> fields;
    QString last;
    for (const QString &line : f.out.split(QLatin1Char('\n'))) {
        if (line.startsWith(QLatin1Char(' ')) && !last.isEmpty()) {
            fields[last] += QLatin1Char('\n') + line;
            continue;
        }
        const int colon = line.indexOf(QLatin1Char(':'));
        if (colon > 0) {
            last = line.left(colon);
            fields.insert(last, line.mid(colon + 1).trimmed());
        }
    }
    QCOMPARE(fields.value(QStringLiteral("Package")), QStringLiteral("lieq-workbench"));
    QCOMPARE(fields.value(QStringLiteral("Version")), QStringLiteral(LIEQ_VERSION));
    QCOMPARE(fields.value(QStringLiteral("Section")), QStringLiteral("science"));
    const Result arch = run(QStringLiteral("dpkg"), {QStringLiteral("--print-architecture")});
    QCOMPARE(fields.value(QStringLiteral("Architecture")), arch.out.trimmed());
    QVERIFY(fields.value(QStringLiteral("Maintainer")).contains(QLatin1Char('@')));
    QVERIFY(!fields.value(QStringLiteral("Description")).isEmpty());

    // Runtime dependencies come from dpkg-shlibdeps on the binaries (plus OpenBLAS, which
    // libtorch only reaches through the libblas.so.3 alternative).
    const QString depends = fields.value(QStringLiteral("Depends"));
    qInfo("Depends: %s", qPrintable(depends));
    QVERIFY(fields.value(QStringLiteral("Recommends")).contains(QStringLiteral("qt6-translations-l10n")));
#ifndef LIEQ_TEST_SHLIBDEPS
    QSKIP("configured with LIEQ_PACKAGE_SHLIBDEPS=OFF: the library dependencies are not derived");
#endif
    // Always: the engine's libraries, and OpenBLAS.
    QStringList needed{QStringLiteral("libtorch1\\.\\d+"), QStringLiteral("libqt6core6"),
                       QStringLiteral("libsqlite3-0"), QStringLiteral("libicu\\d+"),
                       QStringLiteral("libopenblas0-pthread"), QStringLiteral("libc6"), QStringLiteral("libstdc\\+\\+6")};
    // And the package of every library a program is linked against (readelf NEEDED), so a
    // library added to the GUI later (QuaZip for bundles, say) must show up here as well.
    const QList<QPair<QString, QString>> owners{
        {QStringLiteral("libQt6Widgets"), QStringLiteral("libqt6widgets6")},
        {QStringLiteral("libQt6Gui"), QStringLiteral("libqt6gui6")},
        {QStringLiteral("libQt6Charts"), QStringLiteral("libqt6charts6")},
        {QStringLiteral("libQt6Concurrent"), QStringLiteral("libqt6concurrent6")},
        {QStringLiteral("libQt6OpenGL"), QStringLiteral("libqt6opengl6")},
        {QStringLiteral("libquazip1-qt6"), QStringLiteral("libquazip1-qt6-1")},
        {QStringLiteral("libbz2"), QStringLiteral("libbz2-1\\.0")}};
    if (QStandardPaths::findExecutable(QStringLiteral("readelf")).isEmpty())
        QSKIP("readelf is not installed (Debian: binutils): linked-library check skipped");
    for (const QString &exe : QDir(m_root + QStringLiteral("/usr/bin")).entryList(QDir::Files)) {
        const Result d = run(QStringLiteral("readelf"), {QStringLiteral("-d"), m_root + QStringLiteral("/usr/bin/") + exe});
        QVERIFY2(d.exitCode == 0, qPrintable(d.describe()));
        for (const auto &[soname, pkg] : owners)
            if (d.out.contains(QStringLiteral("[") + soname + QStringLiteral(".so")) && !needed.contains(pkg))
                needed << pkg;
    }
    qInfo("required in Depends: %s", qPrintable(needed.join(QStringLiteral(", "))));
    for (const QString &pkg : needed) {
        const QRegularExpression re(QStringLiteral("(^|[ ,|])") + pkg + QStringLiteral("([ ,]|$)"));
        QVERIFY2(re.match(depends).hasMatch(), qPrintable(QStringLiteral("Depends lacks %1: %2").arg(pkg, depends)));
    }
    QVERIFY2(!depends.contains(QStringLiteral("-dev")), qPrintable(depends));
}

void TestPackage::debFileList()
{
    const Result c = run(QStringLiteral("dpkg-deb"), {QStringLiteral("-c"), m_deb});
    QVERIFY2(c.exitCode == 0, qPrintable(c.describe()));
    QStringList paths;
    for (const QString &line : c.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        QString path = line.section(QLatin1Char(' '), -1);
        if (line.startsWith(QLatin1Char('l'))) // symlink: "... name -> target"
            path = line.section(QStringLiteral(" -> "), 0, 0).section(QLatin1Char(' '), -1);
        paths << path;
    }
    for (const QString &p : paths)
        QVERIFY2(p == QStringLiteral("./") || p.startsWith(QStringLiteral("./usr/")), qPrintable(p));
    for (const QString &f : expectedFiles())
        QVERIFY2(paths.contains(QStringLiteral("./usr/") + f), qPrintable(QStringLiteral("missing ") + f));
    const bool demo = paths.contains(QStringLiteral("./usr/share/lieq-workbench/demo-model/config.json"));
    QCOMPARE(demo, sourceHasDemoModel());
    if (demo)
        QVERIFY(paths.contains(QStringLiteral("./usr/share/lieq-workbench/demo-model/model.safetensors")));
}

void TestPackage::installedCliReportsVersion()
{
    const Result r = run(m_root + QStringLiteral("/usr/bin/lieq"), {QStringLiteral("--version")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
    QCOMPARE(r.out.trimmed(), QStringLiteral("lieq %1 (git %2)").arg(QStringLiteral(LIEQ_VERSION), QStringLiteral(LIEQ_GIT_HASH)));
    // Installed binaries must not load libraries from the build folder (RPATH/RUNPATH).
    if (QStandardPaths::findExecutable(QStringLiteral("readelf")).isEmpty())
        QSKIP("readelf is not installed (Debian: binutils): RUNPATH check skipped");
    for (const QString &exe : {QStringLiteral("lieq"), QStringLiteral("lieq-workbench")}) {
        const QString path = m_root + QStringLiteral("/usr/bin/") + exe;
        if (!QFileInfo::exists(path))
            continue;
        const Result d = run(QStringLiteral("readelf"), {QStringLiteral("-d"), path});
        QVERIFY2(d.exitCode == 0, qPrintable(d.describe()));
        QVERIFY2(!d.out.contains(QStringLiteral(LIEQ_BINARY_DIR)), qPrintable(d.out));
    }
}

void TestPackage::installedGuiStarts()
{
#ifndef LIEQ_TEST_HAVE_GUI
    QSKIP("built without the GUI (LIEQ_BUILD_GUI=OFF)");
#else
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    const Result r = run(m_root + QStringLiteral("/usr/bin/lieq-workbench"), {QStringLiteral("--version")}, {}, env, 60000);
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
    QVERIFY2(r.out.contains(QStringLiteral("%1 (%2)").arg(QStringLiteral(LIEQ_VERSION), QStringLiteral(LIEQ_GIT_HASH))), qPrintable(r.describe()));
#endif
}

void TestPackage::installedTranslationsLoad()
{
#ifndef LIEQ_TEST_HAVE_GUI
    QSKIP("built without the GUI (LIEQ_BUILD_GUI=OFF)");
#else
    const QString dir = m_root + QStringLiteral("/usr/share/lieq-workbench/translations");
    const QList<QPair<QString, QString>> expected{{QStringLiteral("de"), QStringLiteral("Über LieQ Workbench")},
                                                  {QStringLiteral("zh_CN"), QString()}};
    for (const auto &[code, title] : expected) {
        QTranslator t;
        QVERIFY2(t.load(QStringLiteral("lieq_") + code, dir), qPrintable(dir + QStringLiteral("/lieq_") + code));
        const QString s = t.translate("lieq::ui::AboutDialog", "About LieQ Workbench");
        QVERIFY2(!s.isEmpty() && s != QStringLiteral("About LieQ Workbench"), qPrintable(code));
        if (!title.isEmpty())
            QCOMPARE(s, title);
    }
#endif
}

void TestPackage::installedDemoRuns()
{
    const QString model = m_root + QStringLiteral("/usr/share/lieq-workbench/demo-model");
    if (!QFileInfo::exists(model + QStringLiteral("/config.json")))
        QSKIP("resources/demo-model is not in the source tree yet, so the package has no demo model: "
              "`lieq demo --quick` from the package skipped (version checks above still ran)");
    QTemporaryDir tmp(m_work + QStringLiteral("/demo-XXXXXX"));
    QVERIFY(tmp.isValid());
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("LIEQ_DEMO_MODEL"));
    env.remove(QStringLiteral("LIEQ_STORE"));
    env.insert(QStringLiteral("HOME"), tmp.path()); // nothing lands in the user's data folder
    env.insert(QStringLiteral("XDG_DATA_HOME"), tmp.path() + QStringLiteral("/data"));
    const QString out = tmp.path() + QStringLiteral("/out");
    QElapsedTimer timer;
    timer.start();
    const Result r = run(m_root + QStringLiteral("/usr/bin/lieq"),
                         {QStringLiteral("demo"), QStringLiteral("--quick"), QStringLiteral("--out"), out,
                          QStringLiteral("--store"), tmp.path() + QStringLiteral("/store.sqlite")},
                         tmp.path(), env, 900000);
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
    qInfo("lieq demo --quick from the package: %.1f s", timer.elapsed() / 1000.0);
    const QRegularExpressionMatch m = QRegularExpression(QStringLiteral("demo model: (\\S+)")).match(r.err + r.out);
    QVERIFY2(m.hasMatch(), qPrintable(r.describe()));
    const QString used = QFileInfo(m.captured(1)).canonicalFilePath();
    QVERIFY2(used == QFileInfo(model).canonicalFilePath(),
             qPrintable(QStringLiteral("the demo used %1, not the packaged %2").arg(used, model)));
    // The model's own held-out text, when it ships one, comes from the package too.
    if (QFileInfo::exists(model + QStringLiteral("/validation.txt"))) {
        const QRegularExpressionMatch e = QRegularExpression(QStringLiteral("evaluation text: (\\S+)")).match(r.err + r.out);
        QVERIFY2(e.hasMatch(), qPrintable(r.describe()));
        QCOMPARE(QFileInfo(e.captured(1)).canonicalFilePath(), QFileInfo(model + QStringLiteral("/validation.txt")).canonicalFilePath());
    }
    QVERIFY(QFileInfo::exists(tmp.path() + QStringLiteral("/store.sqlite")));
    QVERIFY2(!QDir(out).entryList(QDir::Files).isEmpty(), qPrintable(out));
}

void TestPackage::tarballContents()
{
    const Result t = run(QStringLiteral("tar"), {QStringLiteral("-tzf"), m_tgz});
    QVERIFY2(t.exitCode == 0, qPrintable(t.describe()));
    const QString top = QFileInfo(m_tgz).fileName().chopped(int(qstrlen(".tar.gz")));
    QVERIFY(top.startsWith(QStringLiteral("lieq-workbench-%1-").arg(QStringLiteral(LIEQ_VERSION))));
    const QStringList paths = t.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    for (const QString &p : paths)
        QVERIFY2(p.startsWith(top + QLatin1Char('/')), qPrintable(p));
    for (const QString &f : expectedFiles())
        QVERIFY2(paths.contains(top + QLatin1Char('/') + f), qPrintable(QStringLiteral("missing ") + f));
    QCOMPARE(paths.contains(top + QStringLiteral("/share/lieq-workbench/demo-model/config.json")), sourceHasDemoModel());

    // Relocatable: the unpacked tarball's lieq runs from wherever it lies.
    const QString dir = m_work + QStringLiteral("/tgz");
    QVERIFY(QDir().mkpath(dir));
    const Result x = run(QStringLiteral("tar"), {QStringLiteral("-xzf"), m_tgz, QStringLiteral("-C"), dir});
    QVERIFY2(x.exitCode == 0, qPrintable(x.describe()));
    const Result v = run(dir + QLatin1Char('/') + top + QStringLiteral("/bin/lieq"), {QStringLiteral("--version")});
    QVERIFY2(v.exitCode == 0, qPrintable(v.describe()));
    QVERIFY(v.out.contains(QStringLiteral(LIEQ_GIT_HASH)));
}

QTEST_GUILESS_MAIN(TestPackage)
#include "tst_package.moc"
