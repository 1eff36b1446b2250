#include "core/store/statement.h"

#include "core/store/database.h"

#include <cmath>
#include <limits>
#include <sqlite3.h>

namespace lieq::store {

Statement::Statement(Database &db, std::string_view sql) : m_db(db)
{
    const int rc = sqlite3_prepare_v2(db.handle(), sql.data(), static_cast<int>(sql.size()),
                                      &m_stmt, nullptr);
    if (rc != SQLITE_OK)
        db.fail("cannot prepare statement '" + std::string(sql.substr(0, 60)) + "'", rc);
}

Statement::~Statement() { sqlite3_finalize(m_stmt); }

Statement &Statement::bind(int index, std::int64_t value)
{
    const int rc = sqlite3_bind_int64(m_stmt, index, value);
    if (rc != SQLITE_OK)
        m_db.fail("cannot bind parameter " + std::to_string(index), rc);
    return *this;
}

Statement &Statement::bind(int index, double value)
{
    const int rc = std::isnan(value) ? sqlite3_bind_null(m_stmt, index)
                                     : sqlite3_bind_double(m_stmt, index, value);
    if (rc != SQLITE_OK)
        m_db.fail("cannot bind parameter " + std::to_string(index), rc);
    return *this;
}

Statement &Statement::bind(int index, std::string_view value)
{
    const int rc = sqlite3_bind_text64(m_stmt, index, value.data(), value.size(),
                                       SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK)
        m_db.fail("cannot bind parameter " + std::to_string(index), rc);
    return *this;
}

Statement &Statement::bindNull(int index)
{
    const int rc = sqlite3_bind_null(m_stmt, index);
    if (rc != SQLITE_OK)
        m_db.fail("cannot bind parameter " + std::to_string(index), rc);
    return *this;
}

bool Statement::step()
{
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    // sqlite3_reset reports the same error; reset so the statement is reusable after a
    // constraint failure, then throw with the connection's message.
    sqlite3_reset(m_stmt);
    const char *sql = sqlite3_sql(m_stmt);
    std::string head = sql ? std::string(sql).substr(0, 60) : std::string();
    m_db.fail("statement '" + head + "' failed", rc);
}

void Statement::run()
{
    while (step()) {
    }
    sqlite3_reset(m_stmt);
}

std::int64_t Statement::insert()
{
    run();
    return m_db.lastInsertId();
}

void Statement::reset()
{
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

bool Statement::isNull(int column) const { return sqlite3_column_type(m_stmt, column) == SQLITE_NULL; }

std::int64_t Statement::columnInt(int column) const { return sqlite3_column_int64(m_stmt, column); }

double Statement::columnDouble(int column) const
{
    if (isNull(column))
        return std::numeric_limits<double>::quiet_NaN();
    return sqlite3_column_double(m_stmt, column);
}

std::string Statement::columnText(int column) const
{
    const auto *p = sqlite3_column_text(m_stmt, column);
    if (!p)
        return {};
    return std::string(reinterpret_cast<const char *>(p),
                       static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, column)));
}

std::optional<std::int64_t> Statement::columnOptionalInt(int column) const
{
    if (isNull(column))
        return std::nullopt;
    return columnInt(column);
}

} // namespace lieq::store
