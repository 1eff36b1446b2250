// A disk that fills while a checkpoint folder or a GGUF file is written: the CLI runs under a
// file-size limit (RLIMIT_FSIZE through prlimit, SIGXFSZ ignored so that write() fails with EFBIG
// the way a full disk fails with ENOSPC). The command must fail with exit code 1 and one line
// naming the file being written, and leave neither the output nor a partial file behind; the
// same command without the limit then succeeds (the limit, not the command, made it fail).
#include "tests/faults/fault_fixture.h"

#include <QProcess>
#include <QStandardPaths>
#include <QtTest>

#include <filesystem>

namespace fs = std::filesystem;
using namespace lieq;

class TestDiskFull : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void fullDisk_data();
    void fullDisk();

private:
    std::unique_ptr<test::FaultFixture> m_f;
};

void TestDiskFull::initTestCase()
{
    if (QStandardPaths::findExecutable(QStringLiteral("prlimit")).isEmpty())
        QSKIP("prlimit (util-linux) is absent: test skipped");
    m_f = std::make_unique<test::FaultFixture>(2);
    QVERIFY(m_f->tmp.isValid());
}

void TestDiskFull::fullDisk_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("output");
    QTest::addColumn<qint64>("limit");
    const QString model = QString::fromStdString(m_f->model);
    const QString text = QString::fromStdString(m_f->text);
    const QString ckpt = QString::fromStdString(m_f->path("checkpoint"));
    const QString gguf = QString::fromStdString(m_f->path("model.gguf"));
    const QStringList common{QStringLiteral("--no-store"), QStringLiteral("--threads"), QStringLiteral("1"),
                             QStringLiteral("--quiet")};
    const QStringList quantize = QStringList{QStringLiteral("quantize"), model, QStringLiteral("--bits"),
                                             QStringLiteral("4"), QStringLiteral("--method"), QStringLiteral("rtn"),
                                             QStringLiteral("--calib"), text, QStringLiteral("--samples"),
                                             QStringLiteral("2"), QStringLiteral("--seqlen"), QStringLiteral("16"),
                                             QStringLiteral("--out"), ckpt} + common;
    const QStringList exportGguf = QStringList{QStringLiteral("export"), model, QStringLiteral("--gguf"), gguf} + common;
    for (qint64 limit : {4096, 40000})
        QTest::newRow(qPrintable(QStringLiteral("checkpoint, %1 bytes").arg(limit))) << quantize << ckpt << limit;
    for (qint64 limit : {4096, 40000})
        QTest::newRow(qPrintable(QStringLiteral("gguf, %1 bytes").arg(limit))) << exportGguf << gguf << limit;
}

void TestDiskFull::fullDisk()
{
    QFETCH(QStringList, args);
    QFETCH(QString, output);
    QFETCH(qint64, limit);
    fs::remove_all(output.toStdString());
    // trap '' XFSZ: ignored signals stay ignored across exec, so the limit makes write() fail.
    QProcess p;
    p.start(QStringLiteral("sh"),
            QStringList{QStringLiteral("-c"),
                        QStringLiteral("trap '' XFSZ; exec prlimit --fsize=%1 -- \"$@\"").arg(limit),
                        QStringLiteral("sh"), test::cliPath()} +
                args);
    QVERIFY(p.waitForFinished(300000));
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QVERIFY2(p.exitCode() == 1, qPrintable(QStringLiteral("exit %1: %2").arg(p.exitCode()).arg(err)));
    const QStringList lines = err.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QVERIFY2(lines.size() == 1 && lines.front().startsWith(QLatin1String("error: ")), qPrintable(err));
    QVERIFY2(lines.front().contains(output), qPrintable(QStringLiteral("does not name the output: ") + err));
    QVERIFY2(lines.front().contains(QLatin1String("File too large")), qPrintable(err));
    QVERIFY2(!fs::exists(output.toStdString()), "the output exists after a failed write");
    const QStringList partial = test::partialFiles(m_f->tmp.path().toStdString());
    QVERIFY2(partial.isEmpty(), qPrintable(partial.join(QLatin1String(", "))));

    // Without the limit the same command writes the output.
    QProcess ok;
    ok.start(test::cliPath(), args);
    QVERIFY(ok.waitForFinished(300000));
    QVERIFY2(ok.exitCode() == 0, qPrintable(QString::fromUtf8(ok.readAllStandardError())));
    QVERIFY(fs::exists(output.toStdString()));
    fs::remove_all(output.toStdString());
}

QTEST_GUILESS_MAIN(TestDiskFull)
#include "tst_diskfull.moc"
