#pragma once

#include <string>

namespace lieq::store {

class Database;

// RAII transaction: BEGIN IMMEDIATE for writing (takes the write lock up front, so two
// writers never deadlock upgrading a read lock) or a deferred BEGIN for a consistent read over
// several SELECTs; commit() to keep, rolled back when destroyed without commit -- an exception
// or a cancel leaves no half-written rows (a read has nothing to undo). Nested use inside an
// open transaction becomes a SAVEPOINT, so helpers can open their own.
class Transaction
{
public:
    enum class Lock { Write, Read };
    explicit Transaction(Database &db, Lock lock = Lock::Write);
    ~Transaction();
    Transaction(const Transaction &) = delete;
    Transaction &operator=(const Transaction &) = delete;

    void commit();
    void rollback();

private:
    Database &m_db;
    std::string m_savepoint; // empty for the outermost transaction
    bool m_open = false;
};

} // namespace lieq::store
