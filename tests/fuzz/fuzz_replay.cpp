// Replays one fuzz target's seed corpus (tests/fuzz/corpus/<target>) and its kept crashers
// (tests/fuzz/regressions/<target>) through LLVMFuzzerTestOneInput, built with the normal
// compiler: a regression input that crashes, escapes a non-lieq exception or gives an error
// that does not name its file fails (aborts) this test. Under the asan preset the same inputs
// also run with AddressSanitizer and UBSan.
#include "tests/fuzz/fuzz_target.h"

#include <QDir>
#include <QFile>
#include <QtTest>

class FuzzReplay : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void replay_data();
    void replay();
};

void FuzzReplay::replay_data()
{
    QTest::addColumn<QString>("path");
    const QString root = QStringLiteral(LIEQ_SOURCE_DIR "/tests/fuzz/");
    const QString target = QStringLiteral(LIEQ_FUZZ_TARGET);
    int seeds = 0;
    for (const QString &kind : {QStringLiteral("corpus"), QStringLiteral("regressions")}) {
        const QDir dir(root + kind + QLatin1Char('/') + target);
        const QStringList files = dir.entryList(QDir::Files, QDir::Name);
        for (const QString &f : files)
            QTest::newRow(qPrintable(kind + QLatin1Char('/') + f)) << dir.filePath(f);
        if (kind == QLatin1String("corpus"))
            seeds = int(files.size());
    }
    // An empty corpus would make this test pass without running anything.
    QVERIFY2(seeds > 0, qPrintable(QStringLiteral("no seed inputs in tests/fuzz/corpus/") + target));
}

void FuzzReplay::replay()
{
    QFETCH(QString, path);
    QFile f(path);
    QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(path));
    const QByteArray bytes = f.readAll();
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t *>(bytes.constData()),
                           static_cast<std::size_t>(bytes.size()));
}

QTEST_GUILESS_MAIN(FuzzReplay)
#include "fuzz_replay.moc"
