// A model file that changes on disk while it is memory-mapped: truncated in place (cp over it),
// the lost pages read as zeros instead of killing the process with SIGBUS and the next progress
// report fails the job with an error naming the file; replaced by rename (what downloaders do),
// the open mapping keeps the old bytes and nothing fails. A SIGBUS elsewhere (sent, or a fault
// in a mapping the guard does not own) still kills, or reaches the handler installed before it.
#include "core/io/checkpoint.h"
#include "core/util/error.h"
#include "core/util/progress.h"
#include "tests/support/tiny_checkpoint.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <sys/mman.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

// Reads every byte of every tensor, as a forward pass would.
std::uint64_t touchAll(const lieq::Checkpoint &c)
{
    std::uint64_t sum = 0;
    for (const std::string &n : c.tensorNames()) {
        const lieq::TensorView &t = c.tensor(n);
        for (std::size_t i = 0; i < t.nbytes; i += 64)
            sum += static_cast<unsigned char>(t.data[i]);
    }
    return sum;
}

QString progressError()
{
    try {
        lieq::reportProgress({}, {"test", 0, 1, {}});
    } catch (const lieq::Error &e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

} // namespace

class TestChangedOnDisk : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void truncatedWhileMapped()
    {
        QTemporaryDir tmp;
        lieq::test::TinyModelSpec spec;
        spec.hidden = 128; // a few hundred KB: many pages to lose
        const std::string dir = lieq::test::writeTinyCheckpoint(tmp.filePath(QStringLiteral("m")).toStdString(), spec);
        const std::string weights = dir + "/model.safetensors";
        {
            const lieq::Checkpoint ckpt(dir);
            const std::uint64_t before = touchAll(ckpt);
            QVERIFY(progressError().isEmpty());
            fs::resize_file(weights, fs::file_size(weights) / 4); // in place, as `cp` over it does
            const std::uint64_t after = touchAll(ckpt); // would be SIGBUS without the guard
            QVERIFY(after != before);
            QVERIFY(ckpt.files().front()->mapping().changedOnDisk());
            const QString msg = progressError();
            QVERIFY2(msg.contains(QString::fromStdString(weights)), qPrintable(msg));
            QVERIFY2(msg.contains(QLatin1String("truncated or rewritten on disk")), qPrintable(msg));
        }
        // Closing the model clears the state: the application keeps working, and reopening the
        // cut file is an ordinary, named error.
        QVERIFY(progressError().isEmpty());
        try {
            lieq::Checkpoint again(dir);
            QFAIL("a truncated file opened");
        } catch (const lieq::Error &e) {
            QVERIFY2(QString::fromStdString(e.what()).contains(QString::fromStdString(weights)), e.what());
        }
    }

    void replacedByRenameWhileMapped()
    {
        QTemporaryDir tmp;
        const std::string dir = lieq::test::writeTinyCheckpoint(tmp.filePath(QStringLiteral("m")).toStdString());
        lieq::test::TinyModelSpec other;
        other.seed = 99;
        const std::string next = lieq::test::writeTinyCheckpoint(tmp.filePath(QStringLiteral("n")).toStdString(), other);
        const lieq::Checkpoint ckpt(dir);
        const std::uint64_t before = touchAll(ckpt);
        fs::rename(next + "/model.safetensors", dir + "/model.safetensors");
        QCOMPARE(touchAll(ckpt), before); // the open mapping still shows the file it opened
        QVERIFY(!ckpt.files().front()->mapping().changedOnDisk());
        QVERIFY(progressError().isEmpty());
        const lieq::Checkpoint reopened(dir); // a new open sees the new file
        QVERIFY(touchAll(reopened) != before);
    }

    void foreignSigbusIsPassedOn_data()
    {
        QTest::addColumn<QString>("mode");
        QTest::addColumn<bool>("crashes");
        QTest::addColumn<int>("exitCode");
        // raise(): a sent SIGBUS (no fault address) with the default disposition kills.
        QTest::newRow("sent signal kills") << QStringLiteral("raise") << true << 0;
        // A real fault in a mapping the guard does not own (mmap'ed by someone else) kills.
        QTest::newRow("foreign fault kills") << QStringLiteral("fault") << true << 0;
        // With a handler installed before the guard: our own truncated mapping is repaired
        // without calling it, a foreign fault reaches it (it exits 7).
        QTest::newRow("foreign fault reaches the previous handler") << QStringLiteral("chain") << false << 7;
    }

    void foreignSigbusIsPassedOn()
    {
        // In a child process of this binary without Qt Test's crash handler (see main).
        QFETCH(QString, mode);
        QFETCH(bool, crashes);
        QFETCH(int, exitCode);
        QProcess child;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("LIEQ_SIGBUS_CHILD"), mode);
        // Under AddressSanitizer the sanitizer would install its own SIGBUS handler before the
        // guard (it reports and exits 1): the child would not test the disposition users get.
        // Without it (ignored by builds without ASan) the child dies by the signal as in release.
        const QString asan = env.value(QStringLiteral("ASAN_OPTIONS"));
        env.insert(QStringLiteral("ASAN_OPTIONS"),
                   asan + (asan.isEmpty() ? QString() : QStringLiteral(":")) + QStringLiteral("handle_sigbus=0"));
        child.setProcessEnvironment(env);
        child.start(QCoreApplication::applicationFilePath(), {});
        QVERIFY(child.waitForFinished(60000));
        const QString err = QString::fromLocal8Bit(child.readAllStandardError());
        const QString got = QStringLiteral("status %1 code %2: %3")
                                .arg(child.exitStatus() == QProcess::CrashExit ? QStringLiteral("crash") : QStringLiteral("exit"))
                                .arg(child.exitCode())
                                .arg(err);
        if (crashes) {
            QVERIFY2(child.exitStatus() == QProcess::CrashExit, qPrintable(got));
        } else {
            QVERIFY2(child.exitStatus() == QProcess::NormalExit && child.exitCode() == exitCode, qPrintable(got));
        }
    }
};

namespace {

// A file mapped behind the guard's back, then cut to nothing: reading it faults with a real
// SIGBUS (si_code BUS_ADRERR) at an address no registered mapping covers.
void foreignFault(const QString &dirPath)
{
    const std::string path = dirPath.toStdString() + "/foreign.bin";
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ::ftruncate(fd, 65536) != 0)
        ::_exit(3);
    auto *p = static_cast<volatile const unsigned char *>(::mmap(nullptr, 65536, PROT_READ, MAP_SHARED, fd, 0));
    if (p == MAP_FAILED || ::ftruncate(fd, 0) != 0)
        ::_exit(4);
    const unsigned char c = p[4096];
    ::_exit(40 + c); // reached only if the fault was swallowed
}

extern "C" void previousHandler(int, siginfo_t *, void *) { ::_exit(7); }

} // namespace

// The children of foreignSigbusIsPassedOn: map a model (installing the guard), then raise or
// cause a SIGBUS that is not a fault in a registered mapping. They exit 42+ only if the guard
// swallowed it.
static int sigbusChild(const QString &mode)
{
    QTemporaryDir tmp;
    if (mode == QLatin1String("chain")) {
        struct sigaction sa{};
        sa.sa_sigaction = previousHandler;
        sa.sa_flags = SA_SIGINFO;
        sigemptyset(&sa.sa_mask);
        ::sigaction(SIGBUS, &sa, nullptr);
    }
    lieq::test::TinyModelSpec spec;
    spec.hidden = 128;
    const std::string dir = lieq::test::writeTinyCheckpoint(tmp.filePath(QStringLiteral("m")).toStdString(), spec);
    const lieq::Checkpoint ckpt(dir);
    if (mode == QLatin1String("raise")) {
        ::raise(SIGBUS);
        return 42;
    }
    if (mode == QLatin1String("chain")) {
        // Our own mapping first: repaired, the previous handler is not called.
        fs::resize_file(dir + "/model.safetensors", 4096);
        touchAll(ckpt);
        if (!ckpt.files().front()->mapping().changedOnDisk())
            return 5;
    }
    foreignFault(tmp.path());
    return 43;
}

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsSet("LIEQ_SIGBUS_CHILD"))
        return sigbusChild(qEnvironmentVariable("LIEQ_SIGBUS_CHILD"));
    QCoreApplication app(argc, argv);
    TestChangedOnDisk t;
    return QTest::qExec(&t, argc, argv);
}
#include "tst_changedondisk.moc"
