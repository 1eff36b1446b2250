// SIGKILL of the `lieq` CLI at random moments while it writes the experiment store: analyses
// (one transaction per layer and stage) and quantizations (plan, run, per-layer losses, a saved
// checkpoint folder) alternate, 100 kills in all, each at a uniformly random time within the
// run's normal duration (the seed is printed; LIEQ_KILL_SEED repeats a sequence). After every
// kill the store passes integrity_check and foreign_key_check, every run that had finished
// before is still there with the same rows and values, the killed run is marked "interrupted"
// when the store is next opened, a checkpoint folder exists only under its final name when its
// run finished, and no partial folder is left (SQLite's WAL, the atomic folder rename, and the
// store's record of a folder being written or placed, undone on the next open, make these hold).
#include "core/store/experiment_store.h"
#include "tests/faults/fault_fixture.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QRegularExpression>
#include <QtTest>

#include <csignal>
#include <filesystem>
#include <random>

namespace fs = std::filesystem;
using namespace lieq;

class TestSigkill : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void killDuringStoreWrites();

private:
    QStringList command(int i) const;
    std::unique_ptr<test::FaultFixture> m_f;
};

QStringList TestSigkill::command(int i) const
{
    const QString model = QString::fromStdString(m_f->model);
    const QString text = QString::fromStdString(m_f->text);
    const QStringList common{QStringLiteral("--store"), QString::fromStdString(m_f->store),
                             QStringLiteral("--threads"), QStringLiteral("1"), QStringLiteral("--quiet")};
    if (i % 2 == 0)
        return QStringList{QStringLiteral("analyze"), model, QStringLiteral("--data"), text,
                           QStringLiteral("--samples"), QStringLiteral("4"), QStringLiteral("--seqlen"),
                           QStringLiteral("16"), QStringLiteral("--no-reuse")} + common;
    return QStringList{QStringLiteral("quantize"), model, QStringLiteral("--bits"), QStringLiteral("4"),
                       QStringLiteral("--method"), QStringLiteral("rtn"), QStringLiteral("--calib"), text,
                       QStringLiteral("--samples"), QStringLiteral("4"), QStringLiteral("--seqlen"),
                       QStringLiteral("16"), QStringLiteral("--out"),
                       QString::fromStdString(m_f->path("out/q" + std::to_string(i)))} + common;
}

void TestSigkill::killDuringStoreWrites()
{
    m_f = std::make_unique<test::FaultFixture>(8);
    QVERIFY(m_f->tmp.isValid());
    fs::create_directories(m_f->path("out"));

    // Normal durations, and a first finished run of each kind.
    qint64 durationMs[2] = {0, 0};
    for (int kind = 0; kind < 2; ++kind) {
        QElapsedTimer t;
        t.start();
        QProcess p;
        p.start(test::cliPath(), command(1000 + kind));
        QVERIFY(p.waitForFinished(300000));
        QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0,
                 qPrintable(QString::fromUtf8(p.readAllStandardError())));
        durationMs[kind] = t.elapsed();
    }
    qInfo("normal run: analyze %lld ms, quantize %lld ms", durationMs[0], durationMs[1]);

    const unsigned seed = qEnvironmentVariableIsSet("LIEQ_KILL_SEED")
                              ? unsigned(qEnvironmentVariableIntValue("LIEQ_KILL_SEED"))
                              : std::random_device{}();
    qInfo("kill seed %u", seed);
    std::mt19937 rng(seed);
    // Runs only: the export lines may change when a quantization completes between two kills.
    const auto runs = [](const QStringList &l) { return l.filter(QRegularExpression(QStringLiteral("^[aq][0-9]"))); };
    QStringList finished = runs(test::finishedRuns(m_f->store));
    int killed = 0, completed = 0;
    for (int i = 0; killed < 100; ++i) {
        QVERIFY2(i < 400, "fewer than 100 of 400 runs were still running when killed");
        std::uniform_int_distribution<qint64> when(0, durationMs[i % 2]);
        QProcess p;
        p.start(test::cliPath(), command(i));
        QVERIFY(p.waitForStarted());
        const qint64 delay = when(rng);
        bool finishedFirst = p.waitForFinished(int(delay));
        if (!finishedFirst) {
            ::kill(pid_t(p.processId()), SIGKILL);
            QVERIFY(p.waitForFinished(30000));
            // The run may end between the wait's deadline and the signal: then it simply
            // completed, and is checked as a completed run.
            finishedFirst = p.exitStatus() == QProcess::NormalExit;
            if (!finishedFirst)
                ++killed;
        }
        if (finishedFirst) {
            QVERIFY2(p.exitCode() == 0, qPrintable(QString::fromUtf8(p.readAllStandardError())));
            ++completed;
        }
        const QString where = QStringLiteral("run %1 (kill after %2 ms, seed %3)").arg(i).arg(delay).arg(seed);
        const std::string problems = test::storeProblems(m_f->store);
        QVERIFY2(problems.empty(), qPrintable(where + QStringLiteral(": ") + QString::fromStdString(problems)));
        // Every run finished before is still there, unchanged; the store may have gained one.
        const QStringList now = runs(test::finishedRuns(m_f->store));
        for (const QString &run : finished)
            QVERIFY2(now.contains(run), qPrintable(where + QStringLiteral(": lost or changed ") + run));
        QVERIFY(now.size() - finished.size() <= 1);
        finished = now;
        // The next open marks the dead process's run interrupted.
        {
            store::ExperimentStore s(m_f->store);
        }
        QVERIFY2(test::runningRuns(m_f->store) == 0, qPrintable(where + QStringLiteral(": a run left running")));
        // A checkpoint folder under its final name belongs to a finished run (the path matched
        // as a whole field: out/q1 is a prefix of out/q1001), and no partial temporary is left.
        const std::string out = m_f->path("out/q" + std::to_string(i));
        const QRegularExpression outField(QStringLiteral(" ") +
                                          QRegularExpression::escape(QString::fromStdString(out)) +
                                          QStringLiteral(" "));
        if (i % 2 == 1 && fs::exists(out))
            QVERIFY2(now.filter(outField).size() == 1,
                     qPrintable(where + QStringLiteral(": folder of an unfinished run: ") + QString::fromStdString(out)));
        for (const auto &e : fs::directory_iterator(m_f->path("out")))
            QVERIFY2(e.path().filename().string().find(".tmp-") == std::string::npos,
                     qPrintable(where + QStringLiteral(": partial folder left: ") +
                                QString::fromStdString(e.path().string())));
    }
    qInfo("%d kills survived, %d runs completed, %lld finished runs intact", killed, completed,
          qint64(finished.size()));
}

QTEST_GUILESS_MAIN(TestSigkill)
#include "tst_sigkill.moc"
