#include "core/store/schema.h"

#include "core/store/database.h"
#include "core/store/statement.h"
#include "core/store/transaction.h"
#include "core/util/error.h"

namespace lieq::store {

namespace {

// The columns of a run table (analysis_runs in version 1, quant_runs in version 2) after its
// own: the run's settings and outcome, then who ran it and when. Part of released migrations,
// so frozen to the byte like them (tst_storemigrations checks every step's SQL text).
const char *kRunOutcomeColumns = R"SQL(
    settings_json TEXT    NOT NULL DEFAULT '{}',
    settings_hash TEXT    NOT NULL,
    seed          INTEGER,
    status        TEXT    NOT NULL CHECK (status IN
                      ('running', 'done', 'failed', 'cancelled', 'interrupted')),
    error_text    TEXT    NOT NULL DEFAULT '',
    timings_json  TEXT    NOT NULL DEFAULT '{}',
    wall_seconds  REAL,)SQL";
const char *kRunOwnerColumns = R"SQL(
    owner_host    TEXT    NOT NULL DEFAULT '',
    owner_pid     INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    finished_at   INTEGER
);)SQL";

// Version 1: what issue 3 needs -- models, datasets, analysis runs and their metric rows.
// Times are Unix milliseconds (UTC). Metric values may be NULL (NaN in the API).
std::string v1Sql()
{
    return R"SQL(
PRAGMA application_id = 1281975633;
CREATE TABLE models (
    id           INTEGER PRIMARY KEY,
    path         TEXT    NOT NULL,
    name         TEXT    NOT NULL DEFAULT '',
    fingerprint  TEXT    NOT NULL UNIQUE,
    architecture TEXT    NOT NULL DEFAULT '',
    layer_count  INTEGER NOT NULL DEFAULT 0,
    param_count  INTEGER NOT NULL DEFAULT 0,
    dtype        TEXT    NOT NULL DEFAULT '',
    bytes        INTEGER NOT NULL DEFAULT 0,
    added_at     INTEGER NOT NULL
);
CREATE TABLE datasets (
    id           INTEGER PRIMARY KEY,
    path         TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    content_hash TEXT    NOT NULL,
    bytes        INTEGER NOT NULL DEFAULT 0,
    added_at     INTEGER NOT NULL,
    UNIQUE (content_hash, kind)
);
CREATE TABLE analysis_runs (
    id            INTEGER PRIMARY KEY,
    model_id      INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    dataset_id    INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    backend       TEXT    NOT NULL DEFAULT 'cpu',)SQL" + std::string(kRunOutcomeColumns) + R"SQL()SQL" + kRunOwnerColumns + R"SQL(
CREATE INDEX analysis_runs_reuse ON analysis_runs (model_id, dataset_id, settings_hash, status);
CREATE INDEX analysis_runs_dataset ON analysis_runs (dataset_id);
CREATE INDEX analysis_runs_created ON analysis_runs (created_at);
CREATE TABLE analysis_layer_metrics (
    run_id INTEGER NOT NULL REFERENCES analysis_runs(id) ON DELETE CASCADE,
    layer  INTEGER NOT NULL CHECK (layer >= 0),
    metric TEXT    NOT NULL,
    value  REAL,
    PRIMARY KEY (run_id, layer, metric)
) WITHOUT ROWID;
CREATE TABLE analysis_projection_metrics (
    id         INTEGER PRIMARY KEY,
    run_id     INTEGER NOT NULL REFERENCES analysis_runs(id) ON DELETE CASCADE,
    layer      INTEGER NOT NULL CHECK (layer >= 0),
    projection TEXT    NOT NULL,
    metric     TEXT    NOT NULL,
    head       INTEGER CHECK (head IS NULL OR head >= 0),
    value      REAL
);
CREATE UNIQUE INDEX analysis_projection_metrics_key
    ON analysis_projection_metrics (run_id, layer, projection, metric, ifnull(head, -1));
)SQL";
}

// Version 2: issues 4 and 6 -- bit plans, quantization runs with per-module losses, and
// evaluation results for either a base model (quant_run_id NULL) or a quantized run.
std::string v2Sql()
{
    return R"SQL(
CREATE TABLE plans (
    id             INTEGER PRIMARY KEY,
    model_id       INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    source_run_id  INTEGER REFERENCES analysis_runs(id) ON DELETE SET NULL,
    name           TEXT    NOT NULL DEFAULT '',
    method         TEXT    NOT NULL,
    budget_bits    REAL    NOT NULL,
    bits_json      TEXT    NOT NULL,
    nominal_bits   REAL,
    effective_bits REAL,
    settings_json  TEXT    NOT NULL DEFAULT '{}',
    created_at     INTEGER NOT NULL
);
CREATE INDEX plans_model ON plans (model_id);
CREATE INDEX plans_source ON plans (source_run_id);
CREATE TABLE quant_runs (
    id            INTEGER PRIMARY KEY,
    plan_id       INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    dataset_id    INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
    method        TEXT    NOT NULL,)SQL" + std::string(kRunOutcomeColumns) + R"SQL(
    output_path   TEXT    NOT NULL DEFAULT '',
    output_bytes  INTEGER NOT NULL DEFAULT 0,)SQL" + kRunOwnerColumns + R"SQL(
CREATE INDEX quant_runs_plan ON quant_runs (plan_id);
CREATE INDEX quant_runs_dataset ON quant_runs (dataset_id);
CREATE INDEX quant_runs_created ON quant_runs (created_at);
CREATE TABLE quant_module_losses (
    run_id  INTEGER NOT NULL REFERENCES quant_runs(id) ON DELETE CASCADE,
    layer   INTEGER NOT NULL CHECK (layer >= 0),
    module  TEXT    NOT NULL,
    bits    INTEGER,
    loss    REAL,
    seconds REAL,
    PRIMARY KEY (run_id, layer, module)
) WITHOUT ROWID;
CREATE TABLE eval_results (
    id            INTEGER PRIMARY KEY,
    model_id      INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    quant_run_id  INTEGER REFERENCES quant_runs(id) ON DELETE CASCADE,
    dataset_id    INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
    task          TEXT    NOT NULL,
    metric        TEXT    NOT NULL,
    value         REAL,
    stderr        REAL,
    n             INTEGER NOT NULL DEFAULT 0,
    settings_json TEXT    NOT NULL DEFAULT '{}',
    created_at    INTEGER NOT NULL
);
CREATE INDEX eval_results_model ON eval_results (model_id, task);
CREATE INDEX eval_results_quant ON eval_results (quant_run_id);
CREATE INDEX eval_results_dataset ON eval_results (dataset_id);
)SQL";
}

// Version 3: issue 11 -- where each export went (GGUF, GPTQ checkpoint, report, bundle), per
// run or model, so History can show it. One row per (export, run) it covers.
const char *kV3 = R"SQL(
CREATE TABLE exports (
    id              INTEGER PRIMARY KEY,
    quant_run_id    INTEGER REFERENCES quant_runs(id) ON DELETE CASCADE,
    analysis_run_id INTEGER REFERENCES analysis_runs(id) ON DELETE CASCADE,
    model_id        INTEGER REFERENCES models(id) ON DELETE CASCADE,
    kind            TEXT    NOT NULL,
    path            TEXT    NOT NULL,
    bytes           INTEGER NOT NULL DEFAULT 0,
    sha256          TEXT    NOT NULL DEFAULT '',
    settings_json   TEXT    NOT NULL DEFAULT '{}',
    summary_json    TEXT    NOT NULL DEFAULT '{}',
    created_at      INTEGER NOT NULL,
    CHECK (quant_run_id IS NOT NULL OR analysis_run_id IS NOT NULL OR model_id IS NOT NULL)
);
CREATE INDEX exports_quant ON exports (quant_run_id);
CREATE INDEX exports_analysis ON exports (analysis_run_id);
CREATE INDEX exports_model ON exports (model_id);
)SQL";

// Version 4: issue 12 -- sweeps (a grid of quantization + evaluation cells, identified by the
// sweep folder's uid) with each cell's state and quantization run, and the ledger that makes
// merging a cell's own store idempotent (source = the cell attempt, one row per merged row).
const char *kV4 = R"SQL(
CREATE TABLE sweeps (
    id         INTEGER PRIMARY KEY,
    uid        TEXT    NOT NULL UNIQUE,
    name       TEXT    NOT NULL DEFAULT '',
    folder     TEXT    NOT NULL DEFAULT '',
    spec_json  TEXT    NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL
);
CREATE TABLE sweep_cells (
    sweep_id     INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
    cell_index   INTEGER NOT NULL CHECK (cell_index >= 0),
    label        TEXT    NOT NULL DEFAULT '',
    params_json  TEXT    NOT NULL DEFAULT '{}',
    status       TEXT    NOT NULL CHECK (status IN
                     ('pending', 'queued', 'running', 'done', 'failed')),
    quant_run_id INTEGER REFERENCES quant_runs(id) ON DELETE SET NULL,
    error_text   TEXT    NOT NULL DEFAULT '',
    wall_seconds REAL,
    PRIMARY KEY (sweep_id, cell_index)
) WITHOUT ROWID;
CREATE INDEX sweep_cells_quant ON sweep_cells (quant_run_id);
CREATE TABLE merged_rows (
    source    TEXT    NOT NULL,
    tbl       TEXT    NOT NULL,
    source_id INTEGER NOT NULL,
    local_id  INTEGER NOT NULL,
    PRIMARY KEY (source, tbl, source_id)
) WITHOUT ROWID;
)SQL";

// Version 5: issue 16 -- KL statistics of a model (usually a quantization run) against its FP16
// reference on one text, as llama.cpp's --kl-divergence reports them: headline columns for
// tables and sorting, the whole lieq::KlStatistics object as JSON.
const char *kV5 = R"SQL(
CREATE TABLE kl_stats (
    id                 INTEGER PRIMARY KEY,
    model_id           INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    quant_run_id       INTEGER REFERENCES quant_runs(id) ON DELETE CASCADE,
    reference_model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    dataset_id         INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
    windows            INTEGER NOT NULL DEFAULT 0,
    seqlen             INTEGER NOT NULL DEFAULT 0,
    positions          INTEGER NOT NULL DEFAULT 0,
    kl_mean            REAL,
    kl_stderr          REAL,
    kl_max             REAL,
    kl_p99             REAL,
    kl_median          REAL,
    top1               REAL,
    delta_p_rms        REAL,
    ppl_ratio          REAL,
    ln_ppl_correlation REAL,
    stats_json         TEXT    NOT NULL DEFAULT '{}',
    settings_json      TEXT    NOT NULL DEFAULT '{}',
    created_at         INTEGER NOT NULL
);
CREATE INDEX kl_stats_quant ON kl_stats (quant_run_id);
CREATE INDEX kl_stats_model ON kl_stats (model_id);
CREATE INDEX kl_stats_reference ON kl_stats (reference_model_id);
CREATE INDEX kl_stats_dataset ON kl_stats (dataset_id);
)SQL";

bool hasTables(Database &db)
{
    Statement st(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'");
    return st.step() && st.columnInt(0) > 0;
}

int applicationId(Database &db)
{
    Statement st(db, "PRAGMA application_id");
    return st.step() ? static_cast<int>(st.columnInt(0)) : 0;
}

} // namespace

const std::vector<Migration> &migrations()
{
    static const std::vector<Migration> m = {
        {1, "models, datasets, analysis runs and metrics", v1Sql()},
        {2, "plans, quantization runs, module losses, evaluation results", v2Sql()},
        {3, "exports: where each GGUF, checkpoint, report and bundle went", kV3},
        {4, "sweeps, their cells, and the ledger of merged cell stores", kV4},
        {5, "KL statistics of models and quantization runs against their FP16 reference", kV5},
    };
    return m;
}

int latestSchemaVersion() { return migrations().back().version; }

int checkSchema(Database &db)
{
    const int version = db.userVersion();
    const int appId = applicationId(db);
    if (appId != 0 && appId != kApplicationId)
        throw Error(db.path(), "not a LieQ experiment store (SQLite application_id " +
                                   std::to_string(appId) + " belongs to another program)");
    if (version == 0 && hasTables(db))
        throw Error(db.path(), "not a LieQ experiment store (an SQLite database with other tables)");
    if (version > latestSchemaVersion())
        throw Error(db.path(), "experiment store schema version " + std::to_string(version) +
                                   " is newer than this build supports (" +
                                   std::to_string(latestSchemaVersion()) +
                                   "); use a newer LieQ Workbench");
    return version;
}

void migrate(Database &db, int targetVersion)
{
    if (targetVersion < 0)
        targetVersion = latestSchemaVersion();
    checkSchema(db);
    for (const Migration &m : migrations()) {
        if (m.version > targetVersion)
            break;
        Transaction tx(db);
        // Re-read under the write lock: another process may have migrated meanwhile.
        if (db.userVersion() >= m.version)
            continue;
        db.exec(m.sql);
        db.setUserVersion(m.version);
        tx.commit();
    }
}

} // namespace lieq::store
