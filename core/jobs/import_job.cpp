#include "core/jobs/import_job.h"

#include "core/jobs/job_store.h"
#include "core/store/experiment_store.h"
#include "core/util/error.h"

namespace lieq::jobs {

exchange::RestoreResult importSnapshot(const std::string &snapshotJson, const std::string &source,
                                       const exchange::RestoreOptions &options, const JobContext &context)
{
    auto db = openStore(context);
    if (!db)
        throw Error(source, "importing writes the experiment store, but this job records nothing (--no-store)");
    return exchange::restoreExperiment(*db, snapshotJson, source, options);
}

} // namespace lieq::jobs
