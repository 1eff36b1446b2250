// Every corrupted-input case (corrupt_cases.h) through the real `lieq` binary: the process must
// end normally (no signal) with exit code 1 and print exactly one line on stderr, "error: ",
// naming the file and the problem, with nothing else written next to the inputs.
#include "tests/robustness/corrupt_cases.h"
#include "tests/support/testutil.h"

#include <QDir>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <unistd.h>

using lieq::test::CorruptCase;

class TestCorruptCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void refused_data();
    void refused();
    void goodInputsStillWork();

private:
    QStringList command(const CorruptCase &c) const;
    QTemporaryDir m_tmp;
    std::vector<CorruptCase> m_cases;
};

void TestCorruptCli::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    // Permission cases run the CLI as "nobody" when the tests run as root: the folders on the
    // way must be searchable by everyone.
    QFile::setPermissions(m_tmp.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                                            QFile::ReadOther | QFile::ExeOther | QFile::ReadGroup |
                                            QFile::ExeGroup);
    m_cases = lieq::test::buildCorruptCases(m_tmp.path());
}

QStringList TestCorruptCli::command(const CorruptCase &c) const
{
    if (c.stage == CorruptCase::Stage::Open)
        return {QStringLiteral("info"), c.model};
    return {QStringLiteral("ppl"), c.model, QStringLiteral("--data"), c.data, QStringLiteral("--seqlen"),
            QStringLiteral("16"), QStringLiteral("--max-windows"), QStringLiteral("2"),
            QStringLiteral("--threads"), QStringLiteral("1"), QStringLiteral("--quiet"),
            QStringLiteral("--no-store")};
}

void TestCorruptCli::refused_data()
{
    QTest::addColumn<int>("index");
    for (std::size_t i = 0; i < m_cases.size(); ++i)
        QTest::newRow(qPrintable(m_cases[i].name)) << int(i);
}

void TestCorruptCli::refused()
{
    QFETCH(int, index);
    const CorruptCase &c = m_cases[std::size_t(index)];
    QString program = QStringLiteral(LIEQ_CLI_PATH);
    QStringList args = command(c);
    if (c.needsUnprivilegedReader && ::geteuid() == 0) {
        args = QStringList{QStringLiteral("--reuid=65534"), QStringLiteral("--regid=65534"),
                           QStringLiteral("--clear-groups"), program} + args;
        program = QStringLiteral("setpriv");
    }
    const QStringList before = QDir(m_tmp.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot);
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("LIEQ_STORE"), m_tmp.filePath(QStringLiteral("unused.sqlite")));
    p.setProcessEnvironment(env);
    p.start(program, args);
    QVERIFY2(p.waitForFinished(120000), "lieq did not finish in 2 minutes");
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QCOMPARE(p.exitStatus(), QProcess::NormalExit); // no crash, no signal
    QVERIFY2(p.exitCode() == 1, qPrintable(QStringLiteral("exit code %1, stderr: %2").arg(p.exitCode()).arg(err)));
    const QStringList lines = err.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QVERIFY2(lines.size() == 1, qPrintable(QStringLiteral("stderr is not one line: ") + err));
    const QString line = lines.front();
    QVERIFY2(line.startsWith(QLatin1String("error: ")), qPrintable(line));
    QVERIFY2(line.contains(c.file), qPrintable(QStringLiteral("does not name ") + c.file + QStringLiteral(": ") + line));
    QVERIFY2(line.contains(c.problem, Qt::CaseInsensitive),
             qPrintable(QStringLiteral("does not say \"") + c.problem + QStringLiteral("\": ") + line));
    qInfo("%s", qPrintable(line)); // the outcome column of docs/robustness.md
    // A refused input leaves nothing behind (no partial files beside the inputs, no store).
    QCOMPARE(QDir(m_tmp.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot), before);
}

void TestCorruptCli::goodInputsStillWork()
{
    // The same commands on the valid model and text succeed: the cases fail for their defect.
    CorruptCase good;
    good.model = m_tmp.filePath(QStringLiteral("good"));
    good.data = m_tmp.filePath(QStringLiteral("good.txt"));
    for (auto stage : {CorruptCase::Stage::Open, CorruptCase::Stage::Load}) {
        good.stage = stage;
        QProcess p;
        p.start(QStringLiteral(LIEQ_CLI_PATH), command(good));
        QVERIFY(p.waitForFinished(120000));
        QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0,
                 qPrintable(QString::fromUtf8(p.readAllStandardError())));
    }
}

QTEST_GUILESS_MAIN(TestCorruptCli)
#include "tst_corrupt_cli.moc"
