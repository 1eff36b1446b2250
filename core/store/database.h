#pragma once

#include <cstdint>
#include <string>

struct sqlite3;

namespace lieq::store {

// One SQLite connection with the settings every store file gets: foreign keys on, WAL
// (configureForWrites), a busy timeout so a second process (GUI + CLI) waits instead of failing. Errors are
// lieq::Error naming the database file and carrying SQLite's own message.
// Not thread-safe: open one Database per thread (WAL lets them run side by side).
class Database
{
public:
    enum class Mode { ReadWriteCreate, ReadWrite, ReadOnly };

    // Opens (creating when allowed) and checks that the file really is an SQLite database
    // before anything is written to it, so a wrong or corrupted file stays untouched.
    explicit Database(std::string path, Mode mode = Mode::ReadWriteCreate, int busyTimeoutMs = 5000);
    ~Database();
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    const std::string &path() const { return m_path; }
    sqlite3 *handle() const { return m_db; }
    bool readOnly() const { return m_mode == Mode::ReadOnly; }

    // WAL journal and synchronous=NORMAL. A separate step so that a file can be checked
    // (foreign, newer) before anything is written to it -- switching to WAL writes the header.
    void configureForWrites();

    // Runs SQL without parameters (schema, pragmas). Anything with values uses Statement.
    void exec(const std::string &sql);
    std::int64_t lastInsertId() const;
    int changes() const;
    bool inTransaction() const;

    int userVersion();
    void setUserVersion(int version);

    // Throws lieq::Error("<file>: <what>: <sqlite message>").
    [[noreturn]] void fail(const std::string &what) const;
    [[noreturn]] void fail(const std::string &what, int rc) const;

private:
    void close() noexcept;
    std::string m_path;
    Mode m_mode;
    sqlite3 *m_db = nullptr;
};

} // namespace lieq::store
