#pragma once

#include "core/exchange/experiment_restore.h"
#include "core/jobs/job_context.h"

#include <string>

namespace lieq::jobs {

// The import job (`lieq import`, File > Import): an experiment snapshot (a bundle's
// experiment.json) restored into the context's store in one transaction
// (exchange::restoreExperiment: idempotent, never overwrites models or datasets).
exchange::RestoreResult importSnapshot(const std::string &snapshotJson, const std::string &source,
                                       const exchange::RestoreOptions &options, const JobContext &context);

} // namespace lieq::jobs
