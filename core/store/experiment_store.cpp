#include "core/store/experiment_store.h"

#include "core/store/database.h"
#include "core/store/fingerprint.h"
#include "core/store/schema.h"
#include "core/store/statement.h"
#include "core/store/store_rows_impl.h"
#include "core/store/transaction.h"
#include "core/util/atomic_folder.h"
#include "core/util/error.h"
#include "core/util/host.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <filesystem>

namespace lieq::store {

namespace fs = std::filesystem;

namespace {
bool processGone(std::int64_t pid)
{
    if (pid <= 0)
        return true;
    if (pid == processId())
        return false; // another store object in this very process owns it
    return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}
} // namespace

std::string ExperimentStore::defaultPath()
{
    if (const char *env = std::getenv("LIEQ_STORE"); env && *env)
        return env;
    fs::path base;
    if (const char *xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg && fs::path(xdg).is_absolute())
        base = xdg;
    else if (const char *home = std::getenv("HOME"); home && *home)
        base = fs::path(home) / ".local" / "share";
    else
        throw Error("experiment store: neither XDG_DATA_HOME nor HOME is set; pass a store path");
    return (base / "lieq-workbench" / "experiments.sqlite").string();
}

ExperimentStore::ExperimentStore(std::string path, Access access)
    : m_readOnly(access == Access::ReadOnly)
{
    if (path.empty())
        path = defaultPath();
    if (!m_readOnly) {
        const fs::path parent = fs::absolute(fs::path(path)).parent_path();
        std::error_code ec;
        if (!fs::exists(parent, ec) && !fs::create_directories(parent, ec) && ec)
            throw Error(path, "cannot create the store's folder " + parent.string() + ": " +
                                  ec.message());
    }
    m_db = std::make_unique<Database>(path, m_readOnly ? Database::Mode::ReadOnly
                                                       : Database::Mode::ReadWriteCreate);
    const int version = checkSchema(*m_db); // before any write: foreign/newer files stay as is
    if (m_readOnly) {
        if (version != latestSchemaVersion())
            throw Error(path, "experiment store schema version " + std::to_string(version) +
                                  " must be upgraded to " +
                                  std::to_string(latestSchemaVersion()) +
                                  "; open it once with write access");
        return;
    }
    m_db->configureForWrites();
    migrate(*m_db);
    m_interruptedOnOpen = markInterruptedRuns();
}

ExperimentStore::~ExperimentStore() = default;

const std::string &ExperimentStore::path() const { return m_db->path(); }

int ExperimentStore::schemaVersion() { return m_db->userVersion(); }

Database &ExperimentStore::database() { return *m_db; }

void ExperimentStore::requireWritable() const
{
    if (m_readOnly)
        throw Error(m_db->path(), "experiment store was opened read-only");
}

void ExperimentStore::requireRunning(const char *table, std::int64_t runId)
{
    requireRunningRun(*m_db, table, runId);
}

bool ExperimentStore::deleteRow(const char *table, std::int64_t id)
{
    requireWritable();
    return deleteById(*m_db, table, id);
}

std::string setAsideRunOutput(const std::string &dir, std::int64_t runId, long pid)
{
    const std::string aside = dir + ".interrupted-run" + std::to_string(runId);
    try {
        if (undoFolderAtomic(dir, pid, aside))
            return "; its checkpoint folder was complete and is kept as " + aside;
    } catch (const std::filesystem::filesystem_error &e) {
        return "; its checkpoint folder " + dir + " could not be put back: " + e.what();
    }
    return {};
}

// A run still "running" whose owner process on this host is gone was cut off by a crash or
// a kill. Runs owned by another host, or by a live process, are left alone.
int ExperimentStore::markInterruptedRuns()
{
    const std::string host = hostName();
    struct Dead
    {
        const char *table;
        std::int64_t id, pid;
        std::string output; // the checkpoint folder being written or placed, if any
        bool outputComplete;
        std::string error;
    };
    std::vector<Dead> dead;
    for (const char *table : {"analysis_runs", "quant_runs"}) {
        const bool quant = std::string(table) == "quant_runs";
        Statement st(*m_db, std::string("SELECT id, owner_pid, ") +
                                (quant ? "output_path, output_bytes" : "'', 0") + " FROM " + table +
                                " WHERE status = 'running' AND owner_host = ?");
        st.bind(1, host);
        while (st.step())
            if (processGone(st.columnInt(1)))
                dead.push_back({table, st.columnInt(0), st.columnInt(1), st.columnText(2),
                                st.columnInt(3) >= 0, {}});
    }
    if (dead.empty())
        return 0; // the common case: opening writes nothing
    for (Dead &d : dead) {
        d.error = "process " + std::to_string(d.pid) + " on " + host + " ended without finishing the run";
        if (d.output.empty())
            continue;
        // The run was writing its checkpoint folder, or putting it in place (setPendingOutput):
        // clean up before the row changes, so that a kill in between repeats it on the next open.
        if (d.outputComplete) {
            d.error += setAsideRunOutput(d.output, d.id, static_cast<long>(d.pid));
            continue;
        }
        try {
            removeFolderTemporary(d.output, static_cast<long>(d.pid));
        } catch (const std::filesystem::filesystem_error &e) {
            d.error += "; its partial checkpoint folder beside " + d.output + " could not be removed: " + e.what();
        }
    }
    int marked = 0;
    Transaction tx(*m_db);
    for (const Dead &d : dead) {
        // The status guard makes a concurrent finish (or another opener) win cleanly.
        Statement up(*m_db, std::string("UPDATE ") + d.table +
                                " SET status = 'interrupted', finished_at = ?, error_text = ?" +
                                (std::string(d.table) == "quant_runs" ? ", output_path = ''" : "") +
                                " WHERE id = ? AND status = 'running'");
        up.bind(1, nowMs()).bind(2, d.error).bind(3, d.id);
        up.run();
        marked += m_db->changes();
    }
    tx.commit();
    return marked;
}

std::int64_t ExperimentStore::upsertModel(const ModelRecord &m)
{
    requireWritable();
    if (m.fingerprint.empty())
        throw Error(m_db->path(), "model '" + m.path + "' has no fingerprint (use describeModel)");
    Transaction tx(*m_db);
    Statement st(*m_db,
                 "INSERT INTO models (path, name, fingerprint, architecture, layer_count, "
                 "param_count, dtype, bytes, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                 "ON CONFLICT (fingerprint) DO UPDATE SET path = excluded.path, "
                 "name = excluded.name, architecture = excluded.architecture, "
                 "layer_count = excluded.layer_count, param_count = excluded.param_count, "
                 "dtype = excluded.dtype, bytes = excluded.bytes RETURNING id");
    st.bind(1, m.path).bind(2, m.name).bind(3, m.fingerprint).bind(4, m.architecture)
        .bind(5, m.layerCount).bind(6, m.paramCount).bind(7, m.dtype).bind(8, m.bytes)
        .bind(9, nowMs());
    const std::int64_t id = returnedId(*m_db, st, "upsert model");
    tx.commit();
    return id;
}

std::int64_t ExperimentStore::upsertDataset(const DatasetRecord &d)
{
    requireWritable();
    if (d.contentHash.empty() || d.kind.empty())
        throw Error(m_db->path(), "dataset '" + d.path + "' needs a content hash and a kind "
                                  "(use describeDataset)");
    Transaction tx(*m_db);
    Statement st(*m_db, "INSERT INTO datasets (path, kind, content_hash, bytes, added_at) "
                        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (content_hash, kind) DO UPDATE SET "
                        "path = excluded.path, bytes = excluded.bytes RETURNING id");
    st.bind(1, d.path).bind(2, d.kind).bind(3, d.contentHash).bind(4, d.bytes).bind(5, nowMs());
    const std::int64_t id = returnedId(*m_db, st, "upsert dataset");
    tx.commit();
    return id;
}

std::optional<ModelRecord> ExperimentStore::model(std::int64_t id)
{
    return queryRow(
        *m_db, std::string("SELECT ") + kModelColumns + " FROM models m WHERE m.id = ?",
        [](const Statement &st) { return readModel(st); }, id);
}

std::optional<ModelRecord> ExperimentStore::modelByFingerprint(const std::string &fingerprint)
{
    return queryRow(
        *m_db, std::string("SELECT ") + kModelColumns + " FROM models m WHERE m.fingerprint = ?",
        [](const Statement &st) { return readModel(st); }, fingerprint);
}

std::vector<ModelRecord> ExperimentStore::models()
{
    return queryRows(*m_db, std::string("SELECT ") + kModelColumns + " FROM models m ORDER BY m.id",
                     [](const Statement &st) { return readModel(st); });
}

std::optional<DatasetRecord> ExperimentStore::dataset(std::int64_t id)
{
    return queryRow(
        *m_db, std::string("SELECT ") + kDatasetColumns + " FROM datasets d WHERE d.id = ?",
        [](const Statement &st) { return readDataset(st); }, id);
}

std::vector<DatasetRecord> ExperimentStore::datasets()
{
    return queryRows(*m_db,
                     std::string("SELECT ") + kDatasetColumns + " FROM datasets d ORDER BY d.id",
                     [](const Statement &st) { return readDataset(st); });
}

} // namespace lieq::store
