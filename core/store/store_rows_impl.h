#pragma once

// Internal to core/store: helpers shared by the ExperimentStore implementation files.

#include "core/store/records.h"
#include "core/store/statement.h"
#include "core/store/transaction.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

namespace lieq::store {

class Database;

// A consistent read over several SELECTs: a deferred transaction that writes nothing and
// ends when it goes out of scope.
struct ReadSnapshot : Transaction
{
    explicit ReadSnapshot(Database &db) : Transaction(db, Lock::Read) {}
};

std::int64_t nowMs();
// Deletes row `id` of `table` (a name of this schema, never user text; rows referring to it go
// with it by ON DELETE CASCADE). Returns whether the row existed.
bool deleteById(Database &db, const char *table, std::int64_t id);

// The first row of a run (analysis_runs: model_id, backend; quant_runs: plan_id, method): status
// "running", owned by this host and process, created now. settingsJson is canonical already.
struct RunningRunRow
{
    const char *table;
    const char *ownerColumn;
    std::int64_t ownerId = 0;
    std::optional<std::int64_t> datasetId;
    const char *kindColumn;
    std::string kind;
    std::string settingsJson;
    std::optional<std::int64_t> seed;
};
std::int64_t insertRunningRun(Database &db, const RunningRunRow &row); // the new run's id
// Throws lieq::Error unless run `runId` of `table` exists and is still "running".
void requireRunningRun(Database &db, const char *table, std::int64_t runId);
// Ends run `runId` of `table` (analysis_runs or quant_runs), which must still be running: its
// status, error text, timings, wall time and finish time from `outcome`, in one transaction (a
// savepoint inside the caller's). `caller` names the function in the error for an outcome that
// is itself "running".
void finishRun(Database &db, const char *table, std::int64_t runId, const RunOutcome &outcome,
               const char *caller);
int processId();

// Reads consecutive columns, from `first` on, into `fields`, each as its type asks: integers,
// doubles (NULL: NaN), text, optional integers (NULL: none), run status and kind by name.
void readColumn(const Statement &st, int column, std::int64_t &value);
void readColumn(const Statement &st, int column, int &value);
void readColumn(const Statement &st, int column, double &value);
void readColumn(const Statement &st, int column, std::string &value);
void readColumn(const Statement &st, int column, std::optional<std::int64_t> &value);
void readColumn(const Statement &st, int column, std::optional<int> &value);
void readColumn(const Statement &st, int column, RunStatus &value);
void readColumn(const Statement &st, int column, RunKind &value);
template<typename... Fields>
void readColumns(const Statement &st, int first, Fields &...fields)
{
    int column = first;
    (readColumn(st, column++, fields), ...);
}

// A reader for queryRows/queryRow that makes a Record from the columns, from the first on:
// `fields(record)` ties its fields in SELECT order.
template <typename Record, typename Fields>
auto recordReader(Fields fields)
{
    return [fields](const Statement &st) {
        Record r;
        std::apply([&st](auto &...f) { readColumns(st, 0, f...); }, fields(r));
        return r;
    };
}

// Binds `params` to ?1, ?2, ... in order.
template <typename... Params> void bindAll(Statement &st, const Params &...params)
{
    int index = 0;
    (st.bind(++index, params), ...);
}

// Runs a SELECT with `params` bound in order: every row it returns, each read by `read(st)`.
template <typename Read, typename... Params>
auto queryRows(Database &db, std::string_view sql, Read read, const Params &...params)
{
    Statement st(db, sql);
    bindAll(st, params...);
    std::vector<std::invoke_result_t<Read &, const Statement &>> out;
    while (st.step())
        out.push_back(read(st));
    return out;
}

// The same for a SELECT of at most one row: its first row read by `read(st)`, none without.
template <typename Read, typename... Params>
auto queryRow(Database &db, std::string_view sql, Read read, const Params &...params)
    -> std::optional<std::invoke_result_t<Read &, const Statement &>>
{
    Statement st(db, sql);
    bindAll(st, params...);
    if (!st.step()) return std::nullopt;
    return read(st);
}

// One child table of a record: `member` receives the rows of `sql`, a SELECT whose one parameter
// is the parent's id, each read by recordReader<Record>(fields).
template <typename Parent, typename Record, typename Fields> struct ChildRows
{
    using Row = Record;
    std::vector<Record> Parent::*member;
    const char *sql;
    Fields fields;
};
template <typename Parent, typename Record, typename Fields>
ChildRows<Parent, Record, Fields> childRows(std::vector<Record> Parent::*member, const char *sql,
                                            Fields fields)
{
    return {member, sql, fields};
}

// Row `id` of `sql` (one parameter, the id) read by `read`, with every child's rows, in one read
// snapshot, so that a writer appending rows meanwhile cannot make them disagree. None when there
// is no row `id`.
template <typename Read, typename... Children>
auto queryRowWithChildren(Database &db, std::string_view sql, Read read, std::int64_t id,
                          const Children &...children)
{
    ReadSnapshot snapshot(db);
    auto row = queryRow(db, sql, read, id);
    if (row)
        ((*row.*children.member = queryRows(
              db, children.sql, recordReader<typename Children::Row>(children.fields), id)),
         ...);
    return row;
}

// Steps an INSERT ... RETURNING id once and reads the id (Database::fail naming `what` when no
// row comes back), then resets the statement so that it can run again.
std::int64_t returnedId(Database &db, Statement &st, const char *what);

// Column 0 as an integer, for SELECTs of one id.
inline std::int64_t idColumn(const Statement &st)
{
    return st.columnInt(0);
}

// The id of the newest finished ("done") run, the one to reuse, of `fromWhere`: a run table
// aliased r (joined to others as needed) and a WHERE clause whose ? take `params` in order.
template <typename... Params>
std::optional<std::int64_t> newestDoneRun(Database &db, std::string_view fromWhere,
                                          const Params &...params)
{
    return queryRow(db,
                    "SELECT r.id FROM " + std::string(fromWhere) +
                        " AND r.status = 'done' ORDER BY r.finished_at DESC, r.id DESC LIMIT 1",
                    idColumn, params...);
}

// Column lists and readers, kept next to each other so SELECTs and readers cannot drift.
extern const char *const kModelColumns;    // models m
extern const char *const kDatasetColumns;  // datasets d
extern const char *const kAnalysisColumns; // analysis_runs r
extern const char *const kPlanColumns;     // plans p
extern const char *const kQuantColumns;    // quant_runs q JOIN plans p

ModelRecord readModel(const Statement &st, int first = 0);
DatasetRecord readDataset(const Statement &st, int first = 0);
AnalysisRun readAnalysisRun(const Statement &st, int first = 0);
Plan readPlan(const Statement &st, int first = 0);
QuantRun readQuantRun(const Statement &st, int first = 0);
// The run and the rows it belongs to, without child rows: analysis_runs r, models m, datasets d
// columns in that order; quant_runs q, plans p.
AnalysisRunDetail readAnalysisRunDetail(const Statement &st);
QuantRunDetail readQuantRunDetail(const Statement &st);

} // namespace lieq::store
