#include "core/store/database.h"

#include "core/util/error.h"

#include <cstring>
#include <sqlite3.h>

namespace lieq::store {

namespace {
int openFlags(Database::Mode mode)
{
    // Full mutex keeps a misused shared handle from corrupting memory; we still document one
    // connection per thread.
    int flags = SQLITE_OPEN_FULLMUTEX;
    switch (mode) {
    case Database::Mode::ReadWriteCreate: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE; break;
    case Database::Mode::ReadWrite: flags |= SQLITE_OPEN_READWRITE; break;
    case Database::Mode::ReadOnly: flags |= SQLITE_OPEN_READONLY; break;
    }
    return flags;
}
} // namespace

Database::Database(std::string path, Mode mode, int busyTimeoutMs)
    : m_path(std::move(path)), m_mode(mode)
{
    if (m_path.empty())
        throw Error("experiment store: empty database path");
    const int rc = sqlite3_open_v2(m_path.c_str(), &m_db, openFlags(mode), nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = m_db ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
        if (m_db && sqlite3_system_errno(m_db) != 0)
            msg += std::string(" (") + std::strerror(sqlite3_system_errno(m_db)) + ")";
        close();
        throw Error(m_path, "cannot open experiment store: " + msg);
    }
    sqlite3_extended_result_codes(m_db, 1);
    sqlite3_busy_timeout(m_db, busyTimeoutMs);
    try {
        // A read first: SQLite opens lazily, and a file that is not a database is only noticed
        // when its header is read. Nothing below writes before this check passed.
        char *err = nullptr;
        const int probe = sqlite3_exec(m_db, "SELECT count(*) FROM sqlite_master", nullptr,
                                       nullptr, &err);
        if (probe != SQLITE_OK) {
            const std::string msg = err ? err : sqlite3_errstr(probe);
            sqlite3_free(err);
            throw Error(m_path, "cannot open experiment store: " + msg);
        }
        exec("PRAGMA foreign_keys = ON");
    } catch (...) {
        close();
        throw;
    }
}

Database::~Database() { close(); }

void Database::configureForWrites()
{
    exec("PRAGMA journal_mode = WAL");
    // NORMAL is durable across application crashes in WAL mode and much faster than FULL
    // for the many small per-layer transactions.
    exec("PRAGMA synchronous = NORMAL");
}

void Database::close() noexcept
{
    if (m_db) {
        sqlite3_close_v2(m_db);
        m_db = nullptr;
    }
}

void Database::fail(const std::string &what) const { fail(what, sqlite3_errcode(m_db)); }

void Database::fail(const std::string &what, int rc) const
{
    std::string msg = m_db ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
    if (msg == "not an error" || msg.empty())
        msg = sqlite3_errstr(rc);
    throw Error(m_path, what + ": " + msg);
}

void Database::exec(const std::string &sql)
{
    char *err = nullptr;
    const int rc = sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        // First line of the SQL is enough to locate the failing step in a migration.
        std::string head = sql.substr(0, sql.find('\n'));
        if (head.size() > 80)
            head = head.substr(0, 77) + "...";
        throw Error(m_path, "'" + head + "' failed: " + msg);
    }
}

std::int64_t Database::lastInsertId() const { return sqlite3_last_insert_rowid(m_db); }

int Database::changes() const { return sqlite3_changes(m_db); }

bool Database::inTransaction() const { return sqlite3_get_autocommit(m_db) == 0; }

int Database::userVersion()
{
    sqlite3_stmt *st = nullptr;
    if (sqlite3_prepare_v2(m_db, "PRAGMA user_version", -1, &st, nullptr) != SQLITE_OK)
        fail("cannot read schema version");
    int v = 0;
    const int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        fail("cannot read schema version", rc);
    return v;
}

void Database::setUserVersion(int version)
{
    // PRAGMA takes no bound parameters; an int cannot inject anything.
    exec("PRAGMA user_version = " + std::to_string(version));
}

} // namespace lieq::store
