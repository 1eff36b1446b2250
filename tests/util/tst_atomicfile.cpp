#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/mapped_file.h"

#include <QTemporaryDir>
#include <QTest>
#include <filesystem>

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
