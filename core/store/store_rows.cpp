#include "core/store/store_rows_impl.h"

#include "core/store/database.h"
#include "core/store/fingerprint.h"
#include "core/store/statement.h"
#include "core/store/transaction.h"
#include "core/util/enum_names.h"
#include "core/util/error.h"
#include "core/util/host.h"

#include <algorithm>
#include <chrono>
#include <string_view>
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

std::int64_t returnedId(Database &db, Statement &st, const char *what)
{
    if (!st.step()) db.fail(std::string(what) + " returned no id");
    const std::int64_t id = st.columnInt(0);
    st.reset();
    return id;
}

void requireRunningRun(Database &db, const char *table, std::int64_t runId)
{
    Statement st(db, std::string("SELECT status FROM ") + table + " WHERE id = ?");
    st.bind(1, runId);
    if (!st.step())
        throw Error(db.path(), std::string(table) + ": no run with id " + std::to_string(runId));
    const std::string status = st.columnText(0);
    if (status != "running")
        throw Error(db.path(), std::string(table) + ": run " + std::to_string(runId) + " is " +
                                   status + ", not running; it cannot change");
}

void finishRun(Database &db, const char *table, std::int64_t runId, const RunOutcome &outcome,
               const char *caller)
{
    if (outcome.status == RunStatus::Running)
        throw Error(db.path(), std::string(caller) + ": a finished run cannot be 'running'");
    const std::string timings = canonicalJson(outcome.timingsJson, db.path() + ": timings");
    Transaction tx(db);
    requireRunningRun(db, table, runId);
    Statement st(db, std::string("UPDATE ") + table +
                         " SET status = ?, error_text = ?, timings_json = ?, wall_seconds = ?, "
                         "finished_at = ? WHERE id = ?");
    st.bind(1, runStatusName(outcome.status))
        .bind(2, outcome.errorText)
        .bind(3, timings)
        .bind(4, outcome.wallSeconds)
        .bind(5, nowMs())
        .bind(6, runId);
    st.run();
    tx.commit();
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
    const std::int64_t id = st.insert();
    tx.commit();
    return id;
}

int processId() { return static_cast<int>(::getpid()); }

// As the schema's CHECK constraints and the runs listing spell them.
const EnumNames<RunStatus, 5> kStatusNames{"run status",
                                           {{{RunStatus::Running, "running"},
                                             {RunStatus::Done, "done"},
                                             {RunStatus::Failed, "failed"},
                                             {RunStatus::Cancelled, "cancelled"},
                                             {RunStatus::Interrupted, "interrupted"}}}};
const EnumNames<RunKind, 2> kKindNames{
    "run kind", {{{RunKind::Analysis, "analysis"}, {RunKind::Quant, "quant"}}}};

LIEQ_ENUM_NAME_FUNCTIONS(RunStatus, kStatusNames, runStatusName, runStatusFromString, "running")
LIEQ_ENUM_NAME_FUNCTIONS(RunKind, kKindNames, runKindName, runKindFromString, "")

void readColumn(const Statement &st, int column, std::int64_t &value) { value = st.columnInt(column); }
void readColumn(const Statement &st, int column, int &value) { value = static_cast<int>(st.columnInt(column)); }
void readColumn(const Statement &st, int column, double &value) { value = st.columnDouble(column); }
void readColumn(const Statement &st, int column, std::string &value) { value = st.columnText(column); }
void readColumn(const Statement &st, int column, std::optional<std::int64_t> &value)
{
    value = st.columnOptionalInt(column);
}
void readColumn(const Statement &st, int column, std::optional<int> &value)
{
    const std::optional<std::int64_t> v = st.columnOptionalInt(column);
    value = v ? std::optional<int>(static_cast<int>(*v)) : std::nullopt;
}
void readColumn(const Statement &st, int column, RunStatus &value)
{
    value = runStatusFromString(st.columnText(column));
}
void readColumn(const Statement &st, int column, RunKind &value)
{
    value = runKindFromString(st.columnText(column));
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
    readColumns(st, c, m.id, m.path, m.name, m.fingerprint, m.architecture, m.layerCount,
                m.paramCount, m.dtype, m.bytes, m.addedAtMs);
    return m;
}

DatasetRecord readDataset(const Statement &st, int c)
{
    DatasetRecord d;
    readColumns(st, c, d.id, d.path, d.kind, d.contentHash, d.bytes, d.addedAtMs);
    return d;
}

AnalysisRun readAnalysisRun(const Statement &st, int c)
{
    AnalysisRun r;
    readColumns(st, c, r.id, r.modelId, r.datasetId, r.backend, r.settingsJson, r.settingsHash,
                r.seed, r.status, r.errorText, r.timingsJson, r.wallSeconds, r.createdAtMs,
                r.finishedAtMs);
    return r;
}

Plan readPlan(const Statement &st, int c)
{
    Plan p;
    readColumns(st, c, p.id, p.modelId, p.sourceRunId, p.name, p.method, p.budgetBits, p.bitsJson,
                p.nominalBits, p.effectiveBits, p.settingsJson, p.createdAtMs);
    return p;
}

QuantRun readQuantRun(const Statement &st, int c)
{
    QuantRun q;
    readColumns(st, c, q.id, q.planId, q.modelId, q.datasetId, q.method, q.settingsJson,
                q.settingsHash, q.seed, q.status, q.errorText, q.timingsJson, q.wallSeconds,
                q.outputPath, q.outputBytes, q.createdAtMs, q.finishedAtMs);
    return q;
}

namespace {
// How many columns a list above names: where the next list starts in a SELECT that joins them.
int columnCount(std::string_view columns)
{
    return 1 + static_cast<int>(std::count(columns.begin(), columns.end(), ','));
}
} // namespace

AnalysisRunDetail readAnalysisRunDetail(const Statement &st)
{
    static const int modelFirst = columnCount(kAnalysisColumns);
    static const int datasetFirst = modelFirst + columnCount(kModelColumns);
    AnalysisRunDetail d;
    d.run = readAnalysisRun(st);
    d.model = readModel(st, modelFirst);
    d.dataset = readDataset(st, datasetFirst);
    return d;
}

QuantRunDetail readQuantRunDetail(const Statement &st)
{
    static const int planFirst = columnCount(kQuantColumns);
    QuantRunDetail d;
    d.run = readQuantRun(st);
    d.plan = readPlan(st, planFirst);
    return d;
}

} // namespace lieq::store
