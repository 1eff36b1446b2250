#include "core/store/store_rows_impl.h"

#include "core/store/database.h"
#include "core/store/fingerprint.h"
#include "core/store/statement.h"
#include "core/store/transaction.h"
#include "core/util/error.h"

#include <chrono>
#include <unistd.h>

namespace lieq::store {

std::int64_t nowMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

bool deleteById(Database &db, const char *table, std::int64_t id)
{
    Transaction tx(db);
    Statement st(db, std::string("DELETE FROM ") + table + " WHERE id = ?");
    st.bind(1, id).run();
    const bool removed = db.changes() > 0;
    tx.commit();
    return removed;
}

std::int64_t insertRunningRun(Database &db, const RunningRunRow &row)
{
    Transaction tx(db);
    Statement st(db, std::string("INSERT INTO ") + row.table + " (" + row.ownerColumn + ", dataset_id, " +
                         row.kindColumn + ", settings_json, settings_hash, seed, status, owner_host, "
                         "owner_pid, created_at) VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?)");
    st.bind(1, row.ownerId).bind(2, row.datasetId).bind(3, row.kind).bind(4, row.settingsJson)
        .bind(5, settingsHash(row.settingsJson)).bind(6, row.seed).bind(7, hostName())
        .bind(8, processId()).bind(9, nowMs());
    st.run();
    const std::int64_t id = db.lastInsertId();
    tx.commit();
    return id;
}

std::string hostName()
{
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0)
        return "localhost";
    return buf;
}

int processId() { return static_cast<int>(::getpid()); }

ReadSnapshot::ReadSnapshot(Database &db) : m_db(db)
{
    if (!db.inTransaction()) {
        db.exec("BEGIN");
        m_own = true;
    }
}

ReadSnapshot::~ReadSnapshot()
{
    if (!m_own)
        return;
    try {
        m_db.exec("COMMIT"); // ends a read: cannot lose data, only releases the snapshot
    } catch (...) {
    }
}

std::string runStatusName(RunStatus s)
{
    switch (s) {
    case RunStatus::Running: return "running";
    case RunStatus::Done: return "done";
    case RunStatus::Failed: return "failed";
    case RunStatus::Cancelled: return "cancelled";
    case RunStatus::Interrupted: return "interrupted";
    }
    return "running";
}

std::string runKindName(RunKind k) { return k == RunKind::Analysis ? "analysis" : "quant"; }

RunStatus runStatusFromString(const std::string &s)
{
    for (RunStatus v : {RunStatus::Running, RunStatus::Done, RunStatus::Failed,
                        RunStatus::Cancelled, RunStatus::Interrupted})
        if (runStatusName(v) == s)
            return v;
    throw Error("unknown run status '" + s +
                "' (expected running, done, failed, cancelled or interrupted)");
}

RunKind runKindFromString(const std::string &s)
{
    if (s == "analysis")
        return RunKind::Analysis;
    if (s == "quant")
        return RunKind::Quant;
    throw Error("unknown run kind '" + s + "' (expected analysis or quant)");
}

const char *const kModelColumns = "m.id, m.path, m.name, m.fingerprint, m.architecture, "
                                  "m.layer_count, m.param_count, m.dtype, m.bytes, m.added_at";
const char *const kDatasetColumns = "d.id, d.path, d.kind, d.content_hash, d.bytes, d.added_at";
const char *const kAnalysisColumns =
    "r.id, r.model_id, r.dataset_id, r.backend, r.settings_json, r.settings_hash, r.seed, "
    "r.status, r.error_text, r.timings_json, r.wall_seconds, r.created_at, r.finished_at";
const char *const kPlanColumns =
    "p.id, p.model_id, p.source_run_id, p.name, p.method, p.budget_bits, p.bits_json, "
    "p.nominal_bits, p.effective_bits, p.settings_json, p.created_at";
const char *const kQuantColumns =
    "q.id, q.plan_id, p.model_id, q.dataset_id, q.method, q.settings_json, q.settings_hash, "
    "q.seed, q.status, q.error_text, q.timings_json, q.wall_seconds, q.output_path, "
    "q.output_bytes, q.created_at, q.finished_at";

ModelRecord readModel(const Statement &st, int c)
{
    ModelRecord m;
    m.id = st.columnInt(c);
    m.path = st.columnText(c + 1);
    m.name = st.columnText(c + 2);
    m.fingerprint = st.columnText(c + 3);
    m.architecture = st.columnText(c + 4);
    m.layerCount = st.columnInt(c + 5);
    m.paramCount = st.columnInt(c + 6);
    m.dtype = st.columnText(c + 7);
    m.bytes = st.columnInt(c + 8);
    m.addedAtMs = st.columnInt(c + 9);
    return m;
}

DatasetRecord readDataset(const Statement &st, int c)
{
    DatasetRecord d;
    d.id = st.columnInt(c);
    d.path = st.columnText(c + 1);
    d.kind = st.columnText(c + 2);
    d.contentHash = st.columnText(c + 3);
    d.bytes = st.columnInt(c + 4);
    d.addedAtMs = st.columnInt(c + 5);
    return d;
}

AnalysisRun readAnalysisRun(const Statement &st, int c)
{
    AnalysisRun r;
    r.id = st.columnInt(c);
    r.modelId = st.columnInt(c + 1);
    r.datasetId = st.columnInt(c + 2);
    r.backend = st.columnText(c + 3);
    r.settingsJson = st.columnText(c + 4);
    r.settingsHash = st.columnText(c + 5);
    r.seed = st.columnOptionalInt(c + 6);
    r.status = runStatusFromString(st.columnText(c + 7));
    r.errorText = st.columnText(c + 8);
    r.timingsJson = st.columnText(c + 9);
    r.wallSeconds = st.columnDouble(c + 10);
    r.createdAtMs = st.columnInt(c + 11);
    r.finishedAtMs = st.columnOptionalInt(c + 12);
    return r;
}

Plan readPlan(const Statement &st, int c)
{
    Plan p;
    p.id = st.columnInt(c);
    p.modelId = st.columnInt(c + 1);
    p.sourceRunId = st.columnOptionalInt(c + 2);
    p.name = st.columnText(c + 3);
    p.method = st.columnText(c + 4);
    p.budgetBits = st.columnDouble(c + 5);
    p.bitsJson = st.columnText(c + 6);
    p.nominalBits = st.columnDouble(c + 7);
    p.effectiveBits = st.columnDouble(c + 8);
    p.settingsJson = st.columnText(c + 9);
    p.createdAtMs = st.columnInt(c + 10);
    return p;
}

QuantRun readQuantRun(const Statement &st, int c)
{
    QuantRun q;
    q.id = st.columnInt(c);
    q.planId = st.columnInt(c + 1);
    q.modelId = st.columnInt(c + 2);
    q.datasetId = st.columnOptionalInt(c + 3);
    q.method = st.columnText(c + 4);
    q.settingsJson = st.columnText(c + 5);
    q.settingsHash = st.columnText(c + 6);
    q.seed = st.columnOptionalInt(c + 7);
    q.status = runStatusFromString(st.columnText(c + 8));
    q.errorText = st.columnText(c + 9);
    q.timingsJson = st.columnText(c + 10);
    q.wallSeconds = st.columnDouble(c + 11);
    q.outputPath = st.columnText(c + 12);
    q.outputBytes = st.columnInt(c + 13);
    q.createdAtMs = st.columnInt(c + 14);
    q.finishedAtMs = st.columnOptionalInt(c + 15);
    return q;
}

} // namespace lieq::store
