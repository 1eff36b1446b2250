#include "core/store/transaction.h"

#include "core/store/database.h"

#include <atomic>

namespace lieq::store {

namespace {
std::atomic<unsigned> g_savepointCounter{0};
}

Transaction::Transaction(Database &db, Lock lock) : m_db(db)
{
    if (db.inTransaction()) {
        m_savepoint = "lieq_sp_" + std::to_string(++g_savepointCounter);
        m_db.exec("SAVEPOINT " + m_savepoint);
    } else {
        m_db.exec(lock == Lock::Write ? "BEGIN IMMEDIATE" : "BEGIN");
    }
    m_open = true;
}

Transaction::~Transaction()
{
    if (!m_open)
        return;
    try {
        rollback();
    } catch (...) {
        // A destructor must not throw; SQLite rolls back an unfinished transaction itself
        // when the connection closes.
    }
}

void Transaction::commit()
{
    if (!m_open)
        return;
    m_db.exec(m_savepoint.empty() ? std::string("COMMIT") : "RELEASE " + m_savepoint);
    m_open = false;
}

void Transaction::rollback()
{
    if (!m_open)
        return;
    m_open = false;
    if (m_savepoint.empty()) {
        m_db.exec("ROLLBACK");
    } else {
        m_db.exec("ROLLBACK TO " + m_savepoint);
        m_db.exec("RELEASE " + m_savepoint);
    }
}

} // namespace lieq::store
