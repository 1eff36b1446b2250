#pragma once

#include "core/store/records.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

// Sweeps in the experiment store: a sweep (identified by its folder's uid) and its cells, each
// linked to the quantization run it produced once `lieq sweep collect` merged the cell's own
// store. History groups runs by these; charts show a whole sweep.
namespace lieq::store {

class ExperimentStore;

struct SweepRecord
{
    std::int64_t id = 0;
    std::string uid;              // the sweep folder's uid
    std::string name;
    std::string folder;
    std::string specJson = "{}";
    std::int64_t createdAtMs = 0;
};

struct SweepCellRecord
{
    std::int64_t sweepId = 0;
    int cellIndex = 0;
    std::string label;
    std::string paramsJson = "{}";
    std::string status = "pending";          // pending, queued, running, done, failed
    std::optional<std::int64_t> quantRunId;  // in this store
    std::string errorText;
    double wallSeconds = kNoValue;
};

// A quantization run's place in a sweep.
struct SweepMembership
{
    std::int64_t sweepId = 0;
    std::string sweepName;
    int cellIndex = 0;
    std::string label;
};

// Inserts the sweep or updates its name, folder and spec (matched by uid); returns its id.
std::int64_t upsertSweep(ExperimentStore &store, const SweepRecord &sweep);
// Inserts or replaces the given cells of one sweep, in one transaction.
void upsertSweepCells(ExperimentStore &store, const std::vector<SweepCellRecord> &cells);
std::vector<SweepRecord> listSweeps(ExperimentStore &store);
std::optional<SweepRecord> sweepByUid(ExperimentStore &store, const std::string &uid);
std::vector<SweepCellRecord> sweepCells(ExperimentStore &store, std::int64_t sweepId);
// Every quantization run that belongs to a sweep cell: quant run id -> membership.
std::map<std::int64_t, SweepMembership> sweepMemberships(ExperimentStore &store);
bool deleteSweep(ExperimentStore &store, std::int64_t id); // the runs stay

} // namespace lieq::store
