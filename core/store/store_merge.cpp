#include "core/store/store_merge.h"

#include "core/store/database.h"
#include "core/store/experiment_store.h"
#include "core/store/schema.h"
#include "core/store/statement.h"
#include "core/store/transaction.h"
#include "core/util/error.h"
#include "core/util/text.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <vector>

namespace lieq::store {

namespace {

constexpr const char *kLedger = "merged_rows";

struct ForeignKey
{
    std::string column, parent;
    bool notNull = false;
    bool cascade = false;
};

// What the catalogue says about one table, and how its rows are matched.
struct TableInfo
{
    enum class Match { NaturalKey, Ledger, Child, InsertOrIgnore };

    std::string name;
    std::vector<std::string> columns; // without an INTEGER PRIMARY KEY id
    bool hasId = false;
    std::vector<ForeignKey> fks;
    std::vector<std::string> naturalKey;
    std::string owner;                // Child: the parent table whose new rows bring these
    std::string ownerColumn;
    Match match = Match::InsertOrIgnore;
};

std::vector<std::string> indexColumns(Database &db, const std::string &schema, const std::string &index,
                                      bool &hasExpression)
{
    std::vector<std::string> cols;
    Statement st(db, "PRAGMA " + schema + ".index_info(" + doubleQuoted(index) + ")");
    while (st.step()) {
        if (st.isNull(2))
            hasExpression = true;
        else
            cols.push_back(st.columnText(2));
    }
    return cols;
}

TableInfo describe(Database &db, const std::string &schema, const std::string &table)
{
    TableInfo t;
    t.name = table;
    std::set<std::string> pk, notNull;
    {
        Statement st(db, "PRAGMA " + schema + ".table_info(" + doubleQuoted(table) + ")");
        while (st.step()) {
            const std::string col = st.columnText(1);
            if (st.columnInt(3))
                notNull.insert(col);
            if (st.columnInt(5) > 0)
                pk.insert(col);
            t.columns.push_back(col);
        }
    }
    t.hasId = pk.size() == 1 && pk.count("id");
    if (t.hasId)
        t.columns.erase(std::find(t.columns.begin(), t.columns.end(), "id"));
    {
        Statement st(db, "PRAGMA " + schema + ".foreign_key_list(" + doubleQuoted(table) + ")");
        while (st.step()) {
            ForeignKey fk;
            fk.parent = st.columnText(2);
            fk.column = st.columnText(3);
            fk.notNull = notNull.count(fk.column) > 0;
            fk.cascade = st.columnText(6) == "CASCADE";
            t.fks.push_back(fk);
        }
    }
    auto isFk = [&](const std::string &c) {
        return std::any_of(t.fks.begin(), t.fks.end(), [&](const ForeignKey &f) { return f.column == c; });
    };
    // Keys that identify a row: the primary key of a table without an id, and unique indexes.
    std::vector<std::vector<std::string>> keys;
    std::vector<bool> declaredUnique; // UNIQUE in CREATE TABLE (origin 'u')
    if (!t.hasId && !pk.empty()) {
        keys.emplace_back(pk.begin(), pk.end());
        declaredUnique.push_back(false);
    }
    {
        Statement st(db, "PRAGMA " + schema + ".index_list(" + doubleQuoted(table) + ")");
        std::vector<std::pair<std::string, std::string>> unique;
        while (st.step())
            if (st.columnInt(2))
                unique.emplace_back(st.columnText(1), st.columnText(3));
        st.reset();
        for (const auto &[index, origin] : unique) {
            bool expr = false;
            keys.push_back(indexColumns(db, schema, index, expr));
            declaredUnique.push_back(origin == "u" && !expr);
        }
    }
    for (std::size_t k = 0; k < keys.size() && t.owner.empty(); ++k)
        for (const ForeignKey &fk : t.fks)
            if (fk.cascade && std::count(keys[k].begin(), keys[k].end(), fk.column)) {
                t.owner = fk.parent;
                t.ownerColumn = fk.column;
                break;
            }
    for (std::size_t k = 0; k < keys.size() && t.naturalKey.empty(); ++k)
        if (declaredUnique[k] && std::none_of(keys[k].begin(), keys[k].end(), isFk))
            t.naturalKey = keys[k];
    if (t.hasId && !t.naturalKey.empty())
        t.match = TableInfo::Match::NaturalKey;
    else if (!t.owner.empty())
        t.match = TableInfo::Match::Child;
    else if (t.hasId)
        t.match = TableInfo::Match::Ledger;
    return t;
}

std::vector<std::string> tables(Database &db, const std::string &schema)
{
    std::vector<std::string> out;
    Statement st(db, "SELECT name FROM " + schema + ".sqlite_master WHERE type = 'table' "
                     "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name");
    while (st.step())
        out.push_back(st.columnText(0));
    return out;
}

// Parents before children (the references form no cycle in the schema).
std::vector<TableInfo> mergeOrder(std::vector<TableInfo> all, const std::string &source)
{
    std::vector<TableInfo> ordered;
    std::set<std::string> placed;
    while (!all.empty()) {
        const auto ready = std::find_if(all.begin(), all.end(), [&](const TableInfo &t) {
            return std::all_of(t.fks.begin(), t.fks.end(), [&](const ForeignKey &f) {
                return f.parent == t.name || placed.count(f.parent) ||
                       std::none_of(all.begin(), all.end(),
                                    [&](const TableInfo &o) { return o.name == f.parent; });
            });
        });
        if (ready == all.end())
            throw Error(source, "merge: the tables' references form a cycle");
        placed.insert(ready->name);
        ordered.push_back(std::move(*ready));
        all.erase(ready);
    }
    return ordered;
}

// SELECT list that turns a source row (alias s) into dest values: references through the id
// map, runs still "running" in the source as "interrupted".
std::string selectList(const TableInfo &t)
{
    const bool runTable = std::count(t.columns.begin(), t.columns.end(), "status") &&
                          std::count(t.columns.begin(), t.columns.end(), "owner_pid");
    std::string sel;
    for (const std::string &c : t.columns) {
        std::string e = "s." + doubleQuoted(c);
        for (const ForeignKey &fk : t.fks)
            if (fk.column == c)
                e = "(SELECT new FROM temp.merge_idmap WHERE tbl = '" + fk.parent +
                    "' AND old = s." + doubleQuoted(c) + ")";
        if (runTable && c == "status")
            e = "CASE WHEN s.status = 'running' THEN 'interrupted' ELSE s.status END";
        if (runTable && c == "error_text")
            e = "CASE WHEN s.status = 'running' THEN 'merged while still running: its worker "
                "ended without finishing' ELSE s.error_text END";
        sel += (sel.empty() ? "" : ", ") + e;
    }
    return sel;
}

// Rows whose required references cannot be mapped are left out rather than failing the merge.
std::string referencesMapped(const TableInfo &t)
{
    std::string w;
    for (const ForeignKey &fk : t.fks)
        if (fk.notNull)
            w += " AND EXISTS (SELECT 1 FROM temp.merge_idmap WHERE tbl = '" + fk.parent +
                 "' AND old = s." + doubleQuoted(fk.column) + ")";
    return w;
}

std::string columnList(const TableInfo &t)
{
    std::string cols;
    for (const std::string &c : t.columns)
        cols += (cols.empty() ? "" : ", ") + doubleQuoted(c);
    return cols;
}

class Merger
{
public:
    Merger(Database &db, std::string sourceId) : m_db(db), m_sourceId(std::move(sourceId)) {}

    void mergeTable(const TableInfo &t, MergeReport &report)
    {
        std::int64_t added = 0;
        const std::string insert = "INSERT INTO main." + doubleQuoted(t.name) + " (" +
                                   columnList(t) + ") SELECT " + selectList(t) + " FROM src." +
                                   doubleQuoted(t.name) + " s WHERE 1" + referencesMapped(t);
        if (t.match == TableInfo::Match::Child) {
            Statement st(m_db, "INSERT OR IGNORE" + insert.substr(6) + " AND s." +
                                   doubleQuoted(t.ownerColumn) +
                                   " IN (SELECT old FROM temp.merge_idmap "
                                   "WHERE tbl = '" +
                                   t.owner + "' AND fresh = 1)");
            st.run();
            added = m_db.changes();
        } else if (t.match == TableInfo::Match::InsertOrIgnore) {
            Statement st(m_db, "INSERT OR IGNORE" + insert.substr(6));
            st.run();
            added = m_db.changes();
        } else {
            added = mergeRowByRow(t, insert, report);
        }
        if (added > 0)
            report.added[t.name] += added;
    }

private:
    std::int64_t mergeRowByRow(const TableInfo &t, const std::string &insert, MergeReport &report)
    {
        std::vector<std::int64_t> ids;
        {
            Statement st(m_db, "SELECT id FROM src." + doubleQuoted(t.name) + " ORDER BY id");
            while (st.step())
                ids.push_back(st.columnInt(0));
        }
        std::string keyMatch;
        for (const std::string &k : t.naturalKey)
            keyMatch += " AND m." + doubleQuoted(k) + " IS s." + doubleQuoted(k);
        Statement findKey(m_db, "SELECT m.id FROM main." + doubleQuoted(t.name) + " m, src." +
                                    doubleQuoted(t.name) + " s WHERE s.id = ?" + keyMatch);
        Statement findLedger(m_db, std::string("SELECT local_id FROM main.") + kLedger +
                                       " WHERE source = ? AND tbl = ? AND source_id = ?");
        Statement ins(m_db, insert + " AND s.id = ?");
        Statement ledger(m_db, std::string("INSERT INTO main.") + kLedger +
                                   " (source, tbl, source_id, local_id) VALUES (?, ?, ?, ?)");
        std::int64_t added = 0;
        for (const std::int64_t id : ids) {
            std::optional<std::int64_t> existing;
            if (t.match == TableInfo::Match::NaturalKey) {
                findKey.bind(1, id);
                if (findKey.step())
                    existing = findKey.columnInt(0);
                findKey.reset();
            } else {
                findLedger.bind(1, m_sourceId).bind(2, t.name).bind(3, id);
                if (findLedger.step()) {
                    existing = findLedger.columnInt(0);
                    ++report.alreadyMerged;
                }
                findLedger.reset();
            }
            if (existing) {
                map(t.name, id, *existing, false);
                continue;
            }
            ins.bind(1, id);
            ins.run();
            if (m_db.changes() == 0)
                continue; // a required reference could not be mapped
            const std::int64_t local = m_db.lastInsertId();
            map(t.name, id, local, true);
            if (t.match == TableInfo::Match::Ledger)
                ledger.bind(1, m_sourceId).bind(2, t.name).bind(3, id).bind(4, local).run();
            ++added;
        }
        return added;
    }

    void map(const std::string &table, std::int64_t old, std::int64_t local, bool fresh)
    {
        Statement st(m_db, "INSERT OR REPLACE INTO temp.merge_idmap (tbl, old, new, fresh) "
                           "VALUES (?, ?, ?, ?)");
        st.bind(1, table).bind(2, old).bind(3, local).bind(4, fresh ? 1 : 0).run();
    }

    Database &m_db;
    std::string m_sourceId;
};

// Detaches the source however the merge ends.
struct Attachment
{
    Database &db;
    Attachment(Database &d, const std::string &path) : db(d)
    {
        Statement st(db, "ATTACH DATABASE ? AS src");
        st.bind(1, path).run();
    }
    ~Attachment()
    {
        try {
            db.exec("DETACH DATABASE src");
        } catch (...) {
        }
    }
};

} // namespace

std::int64_t MergeReport::total() const
{
    std::int64_t n = 0;
    for (const auto &[table, rows] : added)
        n += rows;
    return n;
}

MergeReport mergeStore(ExperimentStore &dest, const std::string &sourcePath, const std::string &sourceId)
{
    if (sourceId.empty())
        throw Error(sourcePath, "merge: a source id is required (it makes merging idempotent)");
    if (!std::filesystem::exists(sourcePath))
        throw Error(sourcePath, "merge: no such experiment store");
    Database &db = dest.database();
    if (db.readOnly())
        throw Error(db.path(), "merge: the destination store was opened read-only");
    {
        Database src(sourcePath, Database::Mode::ReadOnly);
        const int version = checkSchema(src); // foreign or newer files are refused here
        if (version > db.userVersion())
            throw Error(sourcePath, "merge: the source store has schema version " +
                                        std::to_string(version) + ", newer than the destination's " +
                                        std::to_string(db.userVersion()));
    }
    if (db.inTransaction())
        throw Error(db.path(), "merge: cannot merge inside an open transaction");
    Attachment attach(db, sourcePath);
    db.exec("CREATE TEMP TABLE IF NOT EXISTS merge_idmap (tbl TEXT NOT NULL, old INTEGER NOT NULL, "
            "new INTEGER NOT NULL, fresh INTEGER NOT NULL, PRIMARY KEY (tbl, old))");
    std::vector<TableInfo> infos;
    const std::vector<std::string> destTables = tables(db, "main");
    for (const std::string &name : tables(db, "src")) {
        if (name == kLedger)
            continue; // another store's ledger says nothing about this one
        if (!std::count(destTables.begin(), destTables.end(), name))
            throw Error(sourcePath, "merge: table " + name + " is unknown to the destination store");
        // The source file is untrusted: every identifier spliced into the merge SQL (columns,
        // references, keys) comes from this build's own schema; the source only decides which
        // of those columns it has (an older source may lack newer ones).
        TableInfo t = describe(db, "main", name);
        std::set<std::string> present;
        {
            Statement st(db, "PRAGMA src.table_info(" + doubleQuoted(name) + ")");
            while (st.step())
                present.insert(st.columnText(1));
        }
        t.columns.erase(std::remove_if(t.columns.begin(), t.columns.end(),
                                       [&](const std::string &c) { return !present.count(c); }),
                        t.columns.end());
        infos.push_back(std::move(t));
    }
    MergeReport report;
    Transaction tx(db);
    db.exec("DELETE FROM temp.merge_idmap");
    Merger merger(db, sourceId);
    for (const TableInfo &t : mergeOrder(std::move(infos), sourcePath))
        merger.mergeTable(t, report);
    db.exec("DELETE FROM temp.merge_idmap");
    tx.commit();
    return report;
}

std::optional<std::int64_t> mergedRowId(ExperimentStore &dest, const std::string &sourceId,
                                        const std::string &table, std::int64_t sourceRowId)
{
    Statement st(dest.database(), std::string("SELECT local_id FROM ") + kLedger +
                                      " WHERE source = ? AND tbl = ? AND source_id = ?");
    st.bind(1, sourceId).bind(2, table).bind(3, sourceRowId);
    if (!st.step())
        return std::nullopt;
    return st.columnInt(0);
}

} // namespace lieq::store
