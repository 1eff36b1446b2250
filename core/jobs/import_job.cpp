#include "core/jobs/import_job.h"

#include "core/store/experiment_store.h"

namespace lieq::jobs {

exchange::RestoreResult importSnapshot(const std::string &storePath, const std::string &snapshotJson,
                                       const std::string &source, const exchange::RestoreOptions &options)
{
    store::ExperimentStore db(storePath);
    return exchange::restoreExperiment(db, snapshotJson, source, options);
}

} // namespace lieq::jobs
