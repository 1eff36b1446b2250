#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace lieq::store {

class ExperimentStore;

struct MergeReport
{
    std::map<std::string, std::int64_t> added; // table -> rows inserted by this merge
    std::int64_t alreadyMerged = 0;           // rows skipped because merged before
    std::int64_t total() const;
};

// Merges every row of the experiment store at `sourcePath` into `dest`, in one transaction:
// an error leaves `dest` as it was. Idempotent: each run, plan and result row is recorded in
// dest's merged_rows ledger under `sourceId` (a sweep cell attempt), so merging the same source
// again adds nothing. Models, datasets and sweeps are matched by their natural keys
// (fingerprint, content hash and kind, uid) and never overwritten; rows that belong to a
// parent (metrics, module losses, sweep cells) come along when their parent is new. Runs the
// source still has "running" (its worker was killed) arrive "interrupted".
//
// Generic over the schema: tables, keys and references come from SQLite's own catalogue, so
// tables added by later migrations merge without changes here. The source must not come from
// a newer build than dest; it is opened read-only in effect (nothing in it is changed).
MergeReport mergeStore(ExperimentStore &dest, const std::string &sourcePath,
                       const std::string &sourceId);

// The id in `dest` of a row merged from (sourceId, table, sourceRowId), if any.
std::optional<std::int64_t> mergedRowId(ExperimentStore &dest, const std::string &sourceId,
                                        const std::string &table, std::int64_t sourceRowId);

} // namespace lieq::store
