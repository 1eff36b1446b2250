#include "core/util/atomic_file.h"
#include "core/util/atomic_folder.h"
#include "core/util/error.h"
#include "core/util/mapped_file.h"

#include <QTemporaryDir>
#include <QTest>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <unistd.h>
#include <vector>

using namespace lieq;
namespace fs = std::filesystem;

class TestAtomicFile : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void commitReplacesTarget()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("a.bin")).toStdString();
        writeFileAtomic(path, "old");
        {
            AtomicFile f(path);
            f.write("new content");
            f.writeZeros(3);
            QCOMPARE(readFile(path), std::string("old")); // untouched until commit
            f.commit();
        }
        QCOMPARE(readFile(path), std::string("new content\0\0\0", 14));
        QCOMPARE(std::distance(fs::directory_iterator(dir.path().toStdString()), {}), 1);
    }

    void discardKeepsOldFile()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("a.bin")).toStdString();
        writeFileAtomic(path, "precious");
        {
            AtomicFile f(path);
            f.write(std::string(3 << 20, 'x')); // large write goes straight to disk
        } // destroyed without commit, as on an exception or cancel
        QCOMPARE(readFile(path), std::string("precious"));
        QCOMPARE(std::distance(fs::directory_iterator(dir.path().toStdString()), {}), 1);
    }

    void fullDiskGivesClearErrorAndKeepsOldFile()
    {
        if (!fs::exists("/dev/full"))
            QSKIP("/dev/full is absent");
        // A write into a file that fails like a full disk: the error names the file.
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("b.bin")).toStdString();
        writeFileAtomic(path, "keep");
        bool threw = false;
        try {
            AtomicFile f("/dev/full/x"); // cannot create a temporary inside /dev/full
        } catch (const Error &e) {
            threw = true;
            QVERIFY(std::string(e.what()).find("/dev/full/x") != std::string::npos);
        }
        QVERIFY(threw);
        QCOMPARE(readFile(path), std::string("keep"));
    }

    // undoFolderAtomic from every state a writeFolderAtomic can be stopped in after its
    // beforePlace step (and from the state an undo itself can be stopped in), each twice: the
    // final name holds what it held before (or nothing), the complete new folder is kept aside,
    // nothing else is left. Folders: "E" = the earlier one, "N" = the new one.
    void undoFolderFromEveryStep_data()
    {
        QTest::addColumn<QStringList>("before"); // name=content: T target, tmp, old, del, X aside
        QTest::addColumn<QString>("target");     // what T holds after, "" = absent
        QTest::addColumn<QString>("aside");
        QTest::newRow("new: temporary complete") << QStringList{"tmp=N"} << "" << "N";
        QTest::newRow("new: renamed into place") << QStringList{"T=N"} << "" << "N";
        QTest::newRow("replace: temporary complete") << QStringList{"T=E", "tmp=N"} << "E" << "N";
        QTest::newRow("replace: earlier renamed aside") << QStringList{"old=E", "tmp=N"} << "E" << "N";
        QTest::newRow("replace: new in place") << QStringList{"T=N", "old=E"} << "E" << "N";
        QTest::newRow("replace: earlier being removed") << QStringList{"T=N", "del=E"} << "" << "N";
        QTest::newRow("replace: earlier removed") << QStringList{"T=N"} << "" << "N";
        QTest::newRow("undo stopped between its renames") << QStringList{"X=N", "old=E"} << "E" << "N";
    }

    void undoFolderFromEveryStep()
    {
        QFETCH(QStringList, before);
        QFETCH(QString, target);
        QFETCH(QString, aside);
        QTemporaryDir dir;
        const fs::path t = dir.filePath(QStringLiteral("ckpt")).toStdString();
        const long pid = 4242;
        const std::map<std::string, fs::path> names{{"T", t},
                                                    {"tmp", t.string() + ".tmp-4242"},
                                                    {"old", t.string() + ".old-4242"},
                                                    {"del", t.string() + ".del-4242"},
                                                    {"X", t.string() + ".interrupted-run7"}};
        for (const QString &entry : before) {
            const QStringList kv = entry.split(QLatin1Char('='));
            const fs::path &p = names.at(kv[0].toStdString());
            fs::create_directories(p);
            writeFileAtomic((p / "w").string(), kv[1].toStdString());
        }
        const auto content = [](const fs::path &p) {
            return fs::exists(p) ? QString::fromStdString(readFile((p / "w").string())) : QString();
        };
        for (int pass = 0; pass < 2; ++pass) {
            QCOMPARE(undoFolderAtomic(t, pid, names.at("X")), !aside.isEmpty());
            QCOMPARE(content(t), target);
            QCOMPARE(content(names.at("X")), aside);
            QCOMPARE(std::distance(fs::directory_iterator(dir.path().toStdString()), {}),
                     std::ptrdiff_t(!target.isEmpty() + !aside.isEmpty()));
        }
    }

    // writeFolderAtomic replacing a folder: onStep says Writing before the temporary exists and
    // Placing once it is whole, with the target untouched; a failing onStep (a store that cannot
    // record) leaves the target as it was and no temporary.
    void writeFolderReplacesAndReportsSteps()
    {
        QTemporaryDir dir;
        const fs::path t = dir.filePath(QStringLiteral("ckpt")).toStdString();
        fs::create_directories(t);
        writeFileAtomic((t / "w").string(), "E");
        const auto fill = [](const fs::path &tmp) { writeFileAtomic((tmp / "w").string(), "N"); };
        const fs::path tmp = t.string() + ".tmp-" + std::to_string(::getpid());
        for (FolderStep failing : {FolderStep::Writing, FolderStep::Placing}) {
            QVERIFY_THROWS_EXCEPTION(std::runtime_error, writeFolderAtomic(t, fill, [&](FolderStep s) {
                                         if (s == failing)
                                             throw std::runtime_error("store");
                                     }));
            QCOMPARE(readFile((t / "w").string()), std::string("E"));
            QCOMPARE(std::distance(fs::directory_iterator(dir.path().toStdString()), {}), 1);
        }
        std::vector<FolderStep> steps;
        writeFolderAtomic(t, fill, [&](FolderStep s) {
            steps.push_back(s);
            QCOMPARE(fs::exists(tmp / "w"), s == FolderStep::Placing);
            QCOMPARE(readFile((t / "w").string()), std::string("E"));
        });
        QVERIFY((steps == std::vector<FolderStep>{FolderStep::Writing, FolderStep::Placing}));
        QCOMPARE(readFile((t / "w").string()), std::string("N"));
        QCOMPARE(std::distance(fs::directory_iterator(dir.path().toStdString()), {}), 1);
    }

    void mappedFileErrorsNameTheFile()
    {
        try {
            MappedFile m("/nonexistent/zzz.safetensors");
            QFAIL("expected an error");
        } catch (const Error &e) {
            QVERIFY(std::string(e.what()).find("/nonexistent/zzz.safetensors") != std::string::npos);
        }
    }
};

QTEST_GUILESS_MAIN(TestAtomicFile)
#include "tst_atomicfile.moc"
