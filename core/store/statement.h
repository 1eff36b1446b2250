#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3_stmt;

namespace lieq::store {

class Database;

// A prepared, parameterised statement. Values are bound by 1-based index, never spliced into
// SQL text. step() returns true while rows come back; run() executes a statement that returns
// none. NaN doubles are stored as NULL by SQLite, so columnDouble gives NaN back for NULL.
class Statement
{
public:
    Statement(Database &db, std::string_view sql);
    ~Statement();
    Statement(const Statement &) = delete;
    Statement &operator=(const Statement &) = delete;

    Statement &bind(int index, std::int64_t value);
    Statement &bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
    Statement &bind(int index, double value);
    Statement &bind(int index, std::string_view value);
    Statement &bind(int index, const std::string &value) { return bind(index, std::string_view(value)); }
    Statement &bind(int index, const char *value) { return bind(index, std::string_view(value)); }
    Statement &bindNull(int index);
    template<typename T>
    Statement &bind(int index, const std::optional<T> &value)
    {
        return value ? bind(index, *value) : bindNull(index);
    }

    bool step();       // true: a row is available
    void run();        // executes to completion (rows, if any, are ignored), then resets
    std::int64_t insert(); // run() for an INSERT: the new row's id
    void reset();      // rewinds for another execution; keeps bindings until rebound

    bool isNull(int column) const;
    std::int64_t columnInt(int column) const;
    double columnDouble(int column) const; // NaN for NULL
    std::string columnText(int column) const;
    std::optional<std::int64_t> columnOptionalInt(int column) const;

private:
    Database &m_db;
    sqlite3_stmt *m_stmt = nullptr;
};

} // namespace lieq::store
