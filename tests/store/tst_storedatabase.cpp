// Database, Statement and Transaction: the pieces every store write goes through, and the
// refusal paths (not a database, foreign database, newer schema, read-only location).
#include "core/store/database.h"
#include "core/store/experiment_store.h"
#include "core/store/schema.h"
#include "core/store/statement.h"
#include "core/store/transaction.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

using namespace lieq;
using namespace lieq::store;
namespace fs = std::filesystem;

namespace {
std::int64_t countRows(Database &db, const std::string &table)
{
    Statement st(db, "SELECT count(*) FROM " + table);
    return st.step() ? st.columnInt(0) : -1;
}

// Names of the files in a folder, to show that a refused open leaves no -wal/-shm behind.
std::vector<std::string> listDir(const std::string &dir)
{
    std::vector<std::string> names;
    for (const auto &e : fs::directory_iterator(dir))
        names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

bool messageHas(const std::exception &e, const std::string &part)
{
    return std::string(e.what()).find(part) != std::string::npos;
}
} // namespace

class TestStoreDatabase : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void statementRoundTripsValues()
    {
        QTemporaryDir dir;
        Database db(dir.filePath(QStringLiteral("t.sqlite")).toStdString());
        db.exec("CREATE TABLE t (i INTEGER, d REAL, s TEXT)");
        Statement ins(db, "INSERT INTO t VALUES (?, ?, ?)");
        // Text with a quote and a NUL-free injection attempt: bound, never spliced.
        const std::string tricky = "x'); DROP TABLE t; --";
        ins.bind(1, std::int64_t(1) << 40).bind(2, 0.125).bind(3, tricky).run();
        ins.bind(1, std::optional<std::int64_t>{}).bind(2, std::nan("")).bind(3, "").run();
        Statement sel(db, "SELECT i, d, s FROM t ORDER BY rowid");
        QVERIFY(sel.step());
        QCOMPARE(sel.columnInt(0), std::int64_t(1) << 40);
        QCOMPARE(sel.columnDouble(1), 0.125);
        QCOMPARE(sel.columnText(2), tricky);
        QVERIFY(sel.step());
        QVERIFY(!sel.columnOptionalInt(0).has_value());
        QVERIFY(std::isnan(sel.columnDouble(1))); // NaN is stored as NULL and comes back NaN
        QVERIFY(!sel.step());
        QCOMPARE(countRows(db, "t"), std::int64_t(2));
    }

    void transactionRollsBackOnException_data()
    {
        QTest::addColumn<bool>("nested");
        QTest::newRow("outermost") << false;
        QTest::newRow("savepoint") << true;
    }

    void transactionRollsBackOnException()
    {
        QFETCH(bool, nested);
        QTemporaryDir dir;
        Database db(dir.filePath(QStringLiteral("t.sqlite")).toStdString());
        db.exec("CREATE TABLE t (v INTEGER)");
        std::optional<Transaction> outer;
        if (nested) {
            outer.emplace(db);
            Statement(db, "INSERT INTO t VALUES (?)").bind(1, 100).run();
        }
        try {
            Transaction tx(db);
            Statement ins(db, "INSERT INTO t VALUES (?)");
            for (int i = 0; i < 5; ++i)
                ins.bind(1, i).run();
            throw std::runtime_error("cancelled halfway");
        } catch (const std::runtime_error &) {
        }
        if (outer)
            outer->commit();
        // Only the outer row survives; none of the five from the failed transaction.
        QCOMPARE(countRows(db, "t"), std::int64_t(nested ? 1 : 0));
        QVERIFY(!db.inTransaction());
    }

    void transactionCommitKeepsRows()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("t.sqlite")).toStdString();
        {
            Database db(path);
            db.exec("CREATE TABLE t (v INTEGER)");
            Transaction tx(db);
            Statement(db, "INSERT INTO t VALUES (?)").bind(1, 7).run();
            tx.commit();
        }
        Database again(path);
        QCOMPARE(countRows(again, "t"), std::int64_t(1));
    }

    void constraintErrorNamesFileAndSqliteMessage()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("t.sqlite")).toStdString();
        Database db(path);
        db.exec("CREATE TABLE t (v INTEGER UNIQUE)");
        Statement ins(db, "INSERT INTO t VALUES (?)");
        ins.bind(1, 1).run();
        try {
            ins.bind(1, 1).run();
            QFAIL("expected a UNIQUE violation");
        } catch (const Error &e) {
            QVERIFY2(messageHas(e, path), e.what());
            QVERIFY2(messageHas(e, "UNIQUE constraint failed"), e.what());
            QCOMPARE(e.file(), path);
        }
        ins.bind(1, 2).run(); // the statement is usable again after the failure
        QCOMPARE(countRows(db, "t"), std::int64_t(2));
    }

    void refusesNonSqliteFileAndLeavesItUntouched_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::newRow("text") << QByteArray("this is a config file, not a database\n");
        QByteArray header("SQLite format 3");
        header.append('\0');
        header.append(QByteArray(4080, '\x5a')); // right magic, garbage after it
        QTest::newRow("corrupted header") << header;
        QTest::newRow("binary") << QByteArray(8192, '\xff');
    }

    void refusesNonSqliteFileAndLeavesItUntouched()
    {
        QFETCH(QByteArray, content);
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("bad.sqlite")).toStdString();
        const std::string bytes(content.constData(), static_cast<std::size_t>(content.size()));
        writeFileAtomic(path, bytes);
        const auto before = listDir(dir.path().toStdString());
        try {
            ExperimentStore store(path);
            QFAIL("a non-database file was accepted");
        } catch (const Error &e) {
            QVERIFY2(messageHas(e, path), e.what());
            QVERIFY2(messageHas(e, "not a database") || messageHas(e, "malformed"), e.what());
        }
        QCOMPARE(readFile(path), bytes);
        QCOMPARE(listDir(dir.path().toStdString()), before); // no -wal, -shm or journal left
    }

    void refusesForeignSqliteDatabase()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("other.sqlite")).toStdString();
        {
            Database db(path);
            db.exec("CREATE TABLE bookmarks (url TEXT)");
        }
        const std::string bytes = readFile(path);
        try {
            ExperimentStore store(path);
            QFAIL("another program's database was accepted");
        } catch (const Error &e) {
            QVERIFY2(messageHas(e, "not a LieQ experiment store"), e.what());
        }
        QCOMPARE(readFile(path), bytes); // still in rollback-journal mode: not even WAL'd
    }

    void refusesNewerSchema()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("new.sqlite")).toStdString();
        {
            ExperimentStore store(path);
            store.database().setUserVersion(latestSchemaVersion() + 1);
        }
        try {
            ExperimentStore store(path);
            QFAIL("a newer schema was accepted");
        } catch (const Error &e) {
            QVERIFY2(messageHas(e, "newer than this build supports"), e.what());
            QVERIFY2(messageHas(e, path), e.what());
        }
    }

    void readOnlyLocationGivesClearError()
    {
        // As root, permission bits do not stop writes, so use a location no one can create
        // files in: /proc. As a normal user, a folder with mode 0555 is tested as well.
        std::vector<std::string> paths = {"/proc/lieq-store-test/experiments.sqlite",
                                          "/proc/experiments.sqlite"};
        QTemporaryDir dir;
        if (::geteuid() != 0) {
            const std::string ro = dir.filePath(QStringLiteral("ro")).toStdString();
            fs::create_directory(ro);
            ::chmod(ro.c_str(), 0555);
            paths.push_back(ro + "/experiments.sqlite");
        }
        for (const std::string &path : paths) {
            try {
                ExperimentStore store(path);
                QFAIL(qPrintable(QString::fromStdString("opened a store at " + path)));
            } catch (const Error &e) {
                QVERIFY2(messageHas(e, path), e.what());
            }
        }
    }

    void readOnlyAccessRefusesWrites()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("s.sqlite")).toStdString();
        {
            ExperimentStore store(path);
        }
        ExperimentStore ro(path, ExperimentStore::Access::ReadOnly);
        QCOMPARE(ro.listRuns().total, std::int64_t(0));
        ModelRecord m;
        m.fingerprint = "abc";
        QVERIFY_THROWS_EXCEPTION(Error, ro.upsertModel(m));
    }
};

QTEST_GUILESS_MAIN(TestStoreDatabase)
#include "tst_storedatabase.moc"
