// A hostile experiment store as the source of a merge (`lieq sweep collect` merges stores that
// worker processes, or other people, wrote). Identifiers from the source's schema must never
// reach the merge SQL: a column whose name carries SQL is ignored, the destination gets exactly
// the rows it should, and stays consistent.
#include "core/store/database.h"
#include "core/store/experiment_store.h"
#include "core/store/statement.h"
#include "core/store/store_merge.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace lieq::store;

class TestHostileStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void injectedColumnNamesAreInert_data()
    {
        QTest::addColumn<QString>("column");
        QTest::newRow("closes the column list") << QStringLiteral("x\", name) SELECT 'pwned', 'p', 'p', 'p', 0, 0, 'p', 0, 0--");
        QTest::newRow("quote in a name") << QStringLiteral("a\"b");
        QTest::newRow("single quote") << QStringLiteral("o'clock");
    }
    void injectedColumnNamesAreInert()
    {
        QFETCH(QString, column);
        QTemporaryDir tmp;
        const std::string src = tmp.filePath(QStringLiteral("src.sqlite")).toStdString();
        const std::string dst = tmp.filePath(QStringLiteral("dst.sqlite")).toStdString();
        {
            ExperimentStore s(src);
            ModelRecord m;
            m.path = "/models/honest";
            m.name = "honest";
            m.fingerprint = "fp-honest";
            m.layerCount = 2;
            s.upsertModel(m);
            // ALTER TABLE takes the identifier quoted by SQLite's own rule.
            std::string ident = "\"";
            for (QChar c : column)
                ident += c == QLatin1Char('"') ? std::string("\"\"") : QString(c).toStdString();
            s.database().exec("ALTER TABLE models ADD COLUMN " + ident + "\" TEXT DEFAULT 'evil'");
        }
        ExperimentStore dest(dst);
        mergeStore(dest, src, "hostile-source");
        Statement names(dest.database(), "SELECT group_concat(name, ',') FROM models");
        QVERIFY(names.step());
        QCOMPARE(QString::fromStdString(names.columnText(0)), QStringLiteral("honest"));
        Statement ic(dest.database(), "PRAGMA integrity_check");
        QVERIFY(ic.step());
        QCOMPARE(QString::fromStdString(ic.columnText(0)), QStringLiteral("ok"));
        Statement cols(dest.database(), "SELECT count(*) FROM pragma_table_info('models') WHERE name LIKE '%evil%' OR name LIKE '%\"%'");
        QVERIFY(cols.step());
        QCOMPARE(cols.columnInt(0), std::int64_t(0)); // the destination's schema is untouched
    }
};

QTEST_GUILESS_MAIN(TestHostileStore)
#include "tst_hostilestore.moc"
