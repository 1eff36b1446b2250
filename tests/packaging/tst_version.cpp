// `lieq --version` and the About dialog name the project version and the git commit that was
// built: the hash must be a real commit of this repository (HEAD or, when someone committed after
// the build, an ancestor of it), and both front ends must agree on it.
#include "lieq_version.h"
#ifdef LIEQ_TEST_HAVE_UI
#include "ui/aboutdialog.h"
#include <QApplication>
#include <QLabel>
#endif

#include <QProcess>
#include <QRegularExpression>
#include <QtTest>

namespace {

struct Run {
    int exitCode = -1;
    QString out;
};

Run run(const QString &program, const QStringList &args)
{
    QProcess p;
    p.start(program, args);
    Run r;
    if (!p.waitForStarted(10000) || !p.waitForFinished(60000))
        return r;
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput()).trimmed();
    return r;
}

Run git(const QStringList &args)
{
    return run(QStringLiteral("git"), QStringList{QStringLiteral("-C"), QStringLiteral(LIEQ_SOURCE_DIR)} + args);
}

} // namespace

class TestVersion : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void versionHeaderMatchesProject();
    void hashIsTheBuiltCommit();
    void cliPrintsVersionAndHash();
    void helpNamesVersion();
#ifdef LIEQ_TEST_HAVE_UI
    void aboutDialogShowsVersionAndHash();
#endif
};

void TestVersion::versionHeaderMatchesProject()
{
    QCOMPARE(QStringLiteral(LIEQ_VERSION), QStringLiteral(LIEQ_EXPECTED_VERSION));
    QVERIFY(QRegularExpression(QStringLiteral("^\\d+\\.\\d+\\.\\d+$")).match(QStringLiteral(LIEQ_VERSION)).hasMatch());
}

void TestVersion::hashIsTheBuiltCommit()
{
    const QString hash = QStringLiteral(LIEQ_GIT_HASH);
    const Run head = git({QStringLiteral("rev-parse"), QStringLiteral("--short=12"), QStringLiteral("HEAD")});
    if (head.exitCode != 0) {
        // Built from a tree without git history (a source tarball): the hash must say so.
        QCOMPARE(hash, QStringLiteral("unknown"));
        QSKIP("the source tree is not a git checkout (or git is absent): hash check skipped");
    }
    QVERIFY2(QRegularExpression(QStringLiteral("^[0-9a-f]{12}$")).match(hash).hasMatch(), qPrintable(hash));
    QCOMPARE(git({QStringLiteral("cat-file"), QStringLiteral("-e"), hash + QStringLiteral("^{commit}")}).exitCode, 0);
    if (hash != head.out) {
        // Someone committed between the build and this test: the built commit must precede HEAD.
        QVERIFY2(git({QStringLiteral("merge-base"), QStringLiteral("--is-ancestor"), hash, QStringLiteral("HEAD")}).exitCode == 0,
                 qPrintable(QStringLiteral("built hash %1 is not an ancestor of HEAD %2").arg(hash, head.out)));
    }
}

void TestVersion::cliPrintsVersionAndHash()
{
    const Run r = run(QStringLiteral(LIEQ_CLI), {QStringLiteral("--version")});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out, QStringLiteral("lieq %1 (git %2)").arg(QStringLiteral(LIEQ_VERSION), QStringLiteral(LIEQ_GIT_HASH)));
}

void TestVersion::helpNamesVersion()
{
    const Run r = run(QStringLiteral(LIEQ_CLI), {QStringLiteral("--help")});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.startsWith(QStringLiteral("LieQ Workbench %1 (%2)").arg(QStringLiteral(LIEQ_VERSION), QStringLiteral(LIEQ_GIT_HASH))),
             qPrintable(r.out.left(200)));
}

#ifdef LIEQ_TEST_HAVE_UI
void TestVersion::aboutDialogShowsVersionAndHash()
{
    QCOMPARE(lieq::ui::AboutDialog::versionString(),
             QStringLiteral("%1 (%2)").arg(QStringLiteral(LIEQ_VERSION), QStringLiteral(LIEQ_GIT_HASH)));
    lieq::ui::AboutDialog dialog;
    auto *text = dialog.findChild<QLabel *>(QStringLiteral("aboutText"));
    QVERIFY(text);
    QVERIFY2(text->text().contains(QStringLiteral(LIEQ_VERSION)), qPrintable(text->text()));
    QVERIFY2(text->text().contains(QStringLiteral(LIEQ_GIT_HASH)), qPrintable(text->text()));
}
QTEST_MAIN(TestVersion)
#else
QTEST_GUILESS_MAIN(TestVersion)
#endif

#include "tst_version.moc"
