// Schema versioning: a file written by schema version 1 (frozen here as that release wrote
// it, independent of the migration code) is brought forward without losing a row, and every
// migration step is checked to produce the same schema as a fresh file.
#include "core/store/database.h"
#include "core/store/experiment_store.h"
#include "core/store/schema.h"
#include "core/store/sha256.h"
#include "core/store/statement.h"
#include "tests/store/store_qtest.h"

#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <iterator>

using namespace lieq;
using namespace lieq::store;

namespace {

// Schema version 1 as released. Never edit: it stands for files already on users' disks.
const char *kFrozenV1 = R"SQL(
PRAGMA application_id = 1281975633;
CREATE TABLE models (id INTEGER PRIMARY KEY, path TEXT NOT NULL, name TEXT NOT NULL DEFAULT '',
    fingerprint TEXT NOT NULL UNIQUE, architecture TEXT NOT NULL DEFAULT '',
    layer_count INTEGER NOT NULL DEFAULT 0, param_count INTEGER NOT NULL DEFAULT 0,
    dtype TEXT NOT NULL DEFAULT '', bytes INTEGER NOT NULL DEFAULT 0, added_at INTEGER NOT NULL);
CREATE TABLE datasets (id INTEGER PRIMARY KEY, path TEXT NOT NULL, kind TEXT NOT NULL,
    content_hash TEXT NOT NULL, bytes INTEGER NOT NULL DEFAULT 0, added_at INTEGER NOT NULL,
    UNIQUE (content_hash, kind));
CREATE TABLE analysis_runs (id INTEGER PRIMARY KEY,
    model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    backend TEXT NOT NULL DEFAULT 'cpu', settings_json TEXT NOT NULL DEFAULT '{}',
    settings_hash TEXT NOT NULL, seed INTEGER,
    status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'cancelled', 'interrupted')),
    error_text TEXT NOT NULL DEFAULT '', timings_json TEXT NOT NULL DEFAULT '{}', wall_seconds REAL,
    owner_host TEXT NOT NULL DEFAULT '', owner_pid INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL, finished_at INTEGER);
CREATE INDEX analysis_runs_reuse ON analysis_runs (model_id, dataset_id, settings_hash, status);
CREATE INDEX analysis_runs_dataset ON analysis_runs (dataset_id);
CREATE INDEX analysis_runs_created ON analysis_runs (created_at);
CREATE TABLE analysis_layer_metrics (
    run_id INTEGER NOT NULL REFERENCES analysis_runs(id) ON DELETE CASCADE,
    layer INTEGER NOT NULL CHECK (layer >= 0), metric TEXT NOT NULL, value REAL,
    PRIMARY KEY (run_id, layer, metric)) WITHOUT ROWID;
CREATE TABLE analysis_projection_metrics (id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES analysis_runs(id) ON DELETE CASCADE,
    layer INTEGER NOT NULL CHECK (layer >= 0), projection TEXT NOT NULL, metric TEXT NOT NULL,
    head INTEGER CHECK (head IS NULL OR head >= 0), value REAL);
CREATE UNIQUE INDEX analysis_projection_metrics_key
    ON analysis_projection_metrics (run_id, layer, projection, metric, ifnull(head, -1));
INSERT INTO models VALUES (1, '/m/stories', 'stories', 'fp-1', 'LlamaForCausalLM', 5, 260000,
    'float32', 1040000, 1700000000000);
INSERT INTO datasets VALUES (1, '/d/wiki.txt', 'text', 'hash-1', 1234, 1700000000001);
INSERT INTO analysis_runs VALUES (1, 1, 1, 'cpu', '{"seqlen":512}', 'sh-1', 42, 'done', '',
    '{"dppl":1.5}', 2.5, 'elsewhere', 1, 1700000000002, 1700000000003);
INSERT INTO analysis_runs VALUES (2, 1, 1, 'cpu', '{"seqlen":256}', 'sh-2', 7, 'failed',
    'out of memory', '{}', NULL, 'elsewhere', 1, 1700000000004, 1700000000005);
INSERT INTO analysis_layer_metrics VALUES (1, 0, 'dppl', 0.5), (1, 1, 'dppl', 0.25),
    (1, 0, 'dr', 0.125), (1, 1, 'dr', NULL);
INSERT INTO analysis_projection_metrics (run_id, layer, projection, metric, head, value)
    VALUES (1, 0, 'q', 'dr', NULL, 0.1), (1, 0, 'q', 'dr', 3, 0.2), (1, 1, 'down', 'dE', NULL, 0.3);
PRAGMA user_version = 1;
)SQL";

std::vector<std::string> schemaRows(Database &db)
{
    Statement st(db, "SELECT type || ' ' || name || ' ' || ifnull(tbl_name, '') FROM sqlite_master "
                     "WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name");
    std::vector<std::string> out;
    while (st.step())
        out.push_back(st.columnText(0));
    return out;
}

std::vector<std::string> columnsOf(Database &db, const std::string &table)
{
    Statement st(db, "SELECT name || ':' || type || ':' || \"notnull\" FROM pragma_table_info(?)");
    st.bind(1, table);
    std::vector<std::string> out;
    while (st.step())
        out.push_back(st.columnText(0));
    return out;
}

} // namespace

class TestStoreMigrations : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void migrationsAreOrderedAndContiguous()
    {
        int expected = 1;
        for (const Migration &m : migrations())
            QCOMPARE(m.version, expected++);
        QCOMPARE(latestSchemaVersion(), expected - 1);
        QVERIFY(latestSchemaVersion() >= 2);
    }

    // Released steps are never edited: each step's SQL text hashes as that release wrote it
    // (the hashes were taken from the literals before the run tables' shared columns were
    // factored out of versions 1 and 2).
    void releasedMigrationSqlIsUnchanged()
    {
        const char *released[] = {
            "411dbfeb78cbeca98c9f75b2e5856ebc8305fc7273afd3188c0a36edd9687307",
            "f134cf69b366d2208e614a4fd786132d82cda6d501a2f05d30b1b3f9ea6dd96d",
            "c5d7c935e5a627196b5be15f6c6ec21c4515fb9f61dfadd353e4f37cff8e7d9b",
            "69632d15e3e0ae8b2d0fb9ae809735e5e047647b0cf9e28d9d43058f897434d8",
            "531e2143e4d51ae4a8c08013a9b3cb0397a207a467036376ff4e5330b6a0f19f",
        };
        for (const Migration &m : migrations()) {
            if (m.version > int(std::size(released)))
                break;
            QCOMPARE(Sha256::hex(m.sql), std::string(released[m.version - 1]));
        }
    }

    void v1FileMigratesForwardKeepingRows()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("v1.sqlite")).toStdString();
        {
            Database db(path);
            db.exec(kFrozenV1);
            QCOMPARE(db.userVersion(), 1);
        }
        ExperimentStore store(path);
        QCOMPARE(store.schemaVersion(), latestSchemaVersion());

        const auto models = store.models();
        QCOMPARE(models.size(), std::size_t(1));
        QCOMPARE(models[0].fingerprint, std::string("fp-1"));
        QCOMPARE(models[0].paramCount, std::int64_t(260000));
        QCOMPARE(store.datasets().size(), std::size_t(1));

        const auto detail = store.loadAnalysisRun(1);
        QVERIFY(detail);
        QCOMPARE(detail->run.status, RunStatus::Done);
        QCOMPARE(detail->run.seed, std::optional<std::int64_t>(42));
        QCOMPARE(detail->run.timingsJson, std::string("{\"dppl\":1.5}"));
        QCOMPARE(detail->layers.size(), std::size_t(4));
        QCOMPARE(detail->layers[0].metric, std::string("dppl")); // ordered by layer, metric
        QCOMPARE(detail->layers[1].value, 0.125);
        QVERIFY(std::isnan(detail->layers[3].value)); // NULL comes back as NaN
        QCOMPARE(detail->projections.size(), std::size_t(3));
        QCOMPARE(detail->projections[1].head, std::optional<int>(3));
        const auto failed = store.analysisRun(2);
        QVERIFY(failed);
        QCOMPARE(failed->status, RunStatus::Failed);
        QCOMPARE(failed->errorText, std::string("out of memory"));
        QCOMPARE(store.listRuns().total, std::int64_t(2));
        QCOMPARE(*store.findReusableAnalysisRun("fp-1", "hash-1", "sh-1"), std::int64_t(1));

        // The v2 tables work on the migrated file, linked to v1 rows.
        Plan p;
        p.modelId = 1;
        p.sourceRunId = 1;
        p.method = "lieq-topk";
        p.budgetBits = 2.4;
        p.bitsJson = "[4,2,2,2,2]";
        const auto planId = store.addPlan(p);
        QCOMPARE(store.plan(planId)->sourceRunId, std::optional<std::int64_t>(1));
    }

    void migratedSchemaEqualsFreshSchema()
    {
        QTemporaryDir dir;
        const std::string oldPath = dir.filePath(QStringLiteral("old.sqlite")).toStdString();
        const std::string freshPath = dir.filePath(QStringLiteral("fresh.sqlite")).toStdString();
        {
            Database db(oldPath);
            db.exec(kFrozenV1);
        }
        ExperimentStore migrated(oldPath);
        ExperimentStore fresh(freshPath);
        QCOMPARE(schemaRows(migrated.database()), schemaRows(fresh.database()));
        for (const char *t : {"models", "analysis_runs", "plans", "quant_runs", "eval_results"})
            QCOMPARE(columnsOf(migrated.database(), t), columnsOf(fresh.database(), t));
    }

    void stepwiseMigrationStopsAtTarget()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("s.sqlite")).toStdString();
        Database db(path);
        migrate(db, 1);
        QCOMPARE(db.userVersion(), 1);
        QVERIFY(columnsOf(db, "plans").empty());
        QVERIFY(!columnsOf(db, "analysis_runs").empty());
        migrate(db);
        QCOMPARE(db.userVersion(), latestSchemaVersion());
        QVERIFY(!columnsOf(db, "plans").empty());
        migrate(db); // idempotent
        QCOMPARE(db.userVersion(), latestSchemaVersion());
    }

    void storeFileIsWalWithForeignKeys()
    {
        QTemporaryDir dir;
        ExperimentStore store(dir.filePath(QStringLiteral("w.sqlite")).toStdString());
        Statement mode(store.database(), "PRAGMA journal_mode");
        QVERIFY(mode.step());
        QCOMPARE(mode.columnText(0), std::string("wal"));
        Statement fk(store.database(), "PRAGMA foreign_keys");
        QVERIFY(fk.step());
        QCOMPARE(fk.columnInt(0), std::int64_t(1));
        Statement app(store.database(), "PRAGMA application_id");
        QVERIFY(app.step());
        QCOMPARE(app.columnInt(0), std::int64_t(kApplicationId));
    }
};

QTEST_GUILESS_MAIN(TestStoreMigrations)
#include "tst_storemigrations.moc"
