#pragma once

#include "core/exchange/run_ref.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lieq::store {
class ExperimentStore;
}

namespace lieq::exchange {

struct RestoreOptions
{
    // Source quantization run id -> where its checkpoint lies now (extracted from a bundle);
    // runs not listed keep the output path they were recorded with.
    std::map<std::int64_t, std::string> outputPaths;
};

struct RestoreResult
{
    int added = 0;            // rows of every kind written
    int alreadyPresent = 0;   // runs, plans and results found identical in the store
    std::vector<RunRef> runs; // the snapshot's runs under their ids in this store
    std::map<std::int64_t, std::int64_t> quantRunIds; // source id -> id in this store
};

// Writes a snapshot (experimentSnapshotJson) into `store` in one transaction: models are
// matched by fingerprint and datasets by (content hash, kind) and never overwritten; runs,
// plans and evaluation rows keep their original times, statuses, settings and values, and a
// row already present (same owner, settings hash and creation time) is not added twice, so
// importing a bundle again changes nothing. Runs recorded as still running come back as
// "interrupted". Any malformed field is a lieq::Error naming `source` and the field; the store
// is then left exactly as it was.
RestoreResult restoreExperiment(store::ExperimentStore &store, const std::string &snapshotJson,
                                const std::string &source, const RestoreOptions &options = {});

} // namespace lieq::exchange
