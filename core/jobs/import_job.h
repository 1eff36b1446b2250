#pragma once

#include "core/exchange/experiment_restore.h"
#include <string>

namespace lieq::jobs {

// The import job (`lieq import`, File > Import; the restore step of ui/bundle's importBundle): an
// experiment snapshot (a bundle's experiment.json) restored into the store at storePath in one
// transaction (exchange::restoreExperiment: idempotent, never overwrites models or datasets).
exchange::RestoreResult importSnapshot(const std::string &storePath, const std::string &snapshotJson,
                                       const std::string &source, const exchange::RestoreOptions &options);

} // namespace lieq::jobs
