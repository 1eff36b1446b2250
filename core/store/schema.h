#pragma once

#include <string>
#include <vector>

namespace lieq::store {

class Database;

// The store's schema as an ordered list of migrations; PRAGMA user_version records how many
// have been applied. Migrations are append-only: a released step is never edited, a change
// is a new step, so every older file can be brought forward without losing rows.
struct Migration
{
    int version;     // user_version after this step
    const char *what;
    std::string sql;
};

const std::vector<Migration> &migrations();
int latestSchemaVersion();

// 'LieQ' in PRAGMA application_id marks the file as ours (and `file` tools can tell).
constexpr int kApplicationId = 0x4C696551;

// Brings the file to `targetVersion` (default: latest), one transaction per step. Refuses,
// with a lieq::Error naming the file, a database from a newer build or one that belongs to
// another application; such files are left exactly as they were.
void migrate(Database &db, int targetVersion = -1);

// Checks without writing: throws the same errors migrate() would for foreign/newer files.
// Returns the file's version.
int checkSchema(Database &db);

} // namespace lieq::store
