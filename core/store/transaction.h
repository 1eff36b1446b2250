#pragma once

#include <string>

namespace lieq::store {

class Database;

// RAII write transaction: BEGIN IMMEDIATE (takes the write lock up front, so two writers
// never deadlock upgrading a read lock), commit() to keep, rolled back when destroyed
// without commit -- an exception or a cancel leaves no half-written rows. Nested use inside
// an open transaction becomes a SAVEPOINT, so helpers can open their own.
class Transaction
{
public:
    explicit Transaction(Database &db);
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
