#include "core/store/sweep_records.h"

#include "core/store/database.h"
#include "core/store/experiment_store.h"
#include "core/store/fingerprint.h"
#include "core/store/statement.h"
#include "core/store/store_rows_impl.h"
#include "core/store/transaction.h"
#include "core/util/error.h"

namespace lieq::store {

namespace {

SweepRecord readSweep(const Statement &st)
{
    SweepRecord s;
    readColumns(st, 0, s.id, s.uid, s.name, s.folder, s.specJson, s.createdAtMs);
    return s;
}

constexpr const char *kSweepColumns = "id, uid, name, folder, spec_json, created_at";

Database &writable(ExperimentStore &store)
{
    Database &db = store.database();
    if (db.readOnly())
        throw Error(db.path(), "experiment store was opened read-only");
    return db;
}

} // namespace

std::int64_t upsertSweep(ExperimentStore &store, const SweepRecord &sweep)
{
    Database &db = writable(store);
    if (sweep.uid.empty())
        throw Error(db.path(), "a sweep needs a uid");
    const std::string spec = canonicalJson(sweep.specJson, db.path() + ": sweep spec");
    Transaction tx(db);
    Statement st(db, "INSERT INTO sweeps (uid, name, folder, spec_json, created_at) "
                     "VALUES (?, ?, ?, ?, ?) ON CONFLICT (uid) DO UPDATE SET name = excluded.name, "
                     "folder = excluded.folder, spec_json = excluded.spec_json RETURNING id");
    st.bind(1, sweep.uid).bind(2, sweep.name).bind(3, sweep.folder).bind(4, spec)
        .bind(5, sweep.createdAtMs > 0 ? sweep.createdAtMs : nowMs());
    const std::int64_t id = returnedId(db, st, "upsert sweep");
    tx.commit();
    return id;
}

void upsertSweepCells(ExperimentStore &store, const std::vector<SweepCellRecord> &cells)
{
    Database &db = writable(store);
    Transaction tx(db);
    Statement st(db, "INSERT OR REPLACE INTO sweep_cells (sweep_id, cell_index, label, params_json, "
                     "status, quant_run_id, error_text, wall_seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    for (const SweepCellRecord &c : cells) {
        st.bind(1, c.sweepId).bind(2, c.cellIndex).bind(3, c.label)
            .bind(4, canonicalJson(c.paramsJson, db.path() + ": sweep cell parameters"))
            .bind(5, c.status).bind(6, c.quantRunId).bind(7, c.errorText).bind(8, c.wallSeconds);
        st.run();
    }
    tx.commit();
}

std::vector<SweepRecord> listSweeps(ExperimentStore &store)
{
    return queryRows(store.database(),
                     std::string("SELECT ") + kSweepColumns +
                         " FROM sweeps ORDER BY created_at DESC, id DESC",
                     readSweep);
}

std::optional<SweepRecord> sweepByUid(ExperimentStore &store, const std::string &uid)
{
    return queryRow(store.database(),
                    std::string("SELECT ") + kSweepColumns + " FROM sweeps WHERE uid = ?",
                    readSweep, uid);
}

std::vector<SweepCellRecord> sweepCells(ExperimentStore &store, std::int64_t sweepId)
{
    const auto read = [](const Statement &st) {
        SweepCellRecord c;
        readColumns(st, 0, c.sweepId, c.cellIndex, c.label, c.paramsJson, c.status, c.quantRunId,
                    c.errorText, c.wallSeconds);
        return c;
    };
    return queryRows(
        store.database(),
        "SELECT sweep_id, cell_index, label, params_json, status, quant_run_id, error_text, "
        "wall_seconds FROM sweep_cells WHERE sweep_id = ? ORDER BY cell_index",
        read, sweepId);
}

std::map<std::int64_t, SweepMembership> sweepMemberships(ExperimentStore &store)
{
    Statement st(store.database(),
                 "SELECT c.quant_run_id, s.id, s.name, c.cell_index, c.label FROM sweep_cells c "
                 "JOIN sweeps s ON s.id = c.sweep_id WHERE c.quant_run_id IS NOT NULL");
    std::map<std::int64_t, SweepMembership> out;
    while (st.step())
        out[st.columnInt(0)] = {st.columnInt(1), st.columnText(2),
                                static_cast<int>(st.columnInt(3)), st.columnText(4)};
    return out;
}

bool deleteSweep(ExperimentStore &store, std::int64_t id)
{
    return deleteById(writable(store), "sweeps", id);
}

} // namespace lieq::store
