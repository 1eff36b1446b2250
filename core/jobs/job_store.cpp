#include "core/jobs/job_store.h"

#include "core/store/experiment_store.h"
#include "core/store/fingerprint.h"
#include "core/util/error.h"

namespace lieq::jobs {

std::unique_ptr<store::ExperimentStore> openStore(const JobContext &context)
{
    if (!context.store.enabled)
        return {};
    return std::make_unique<store::ExperimentStore>(context.store.path);
}

std::int64_t recordModel(store::ExperimentStore &db, const std::string &modelDir)
{
    return db.upsertModel(store::describeModel(modelDir));
}

std::int64_t recordDataset(store::ExperimentStore &db, const std::string &path,
                           const std::string &kind)
{
    return db.upsertDataset(store::describeDataset(path, kind));
}

void recordOutcome(const std::function<void()> &work,
                   const std::function<void(store::RunStatus, const std::string &)> &finish)
{
    try {
        work();
    } catch (const Cancelled &) {
        finish(store::RunStatus::Cancelled, {});
        throw;
    } catch (const std::exception &e) {
        try {
            finish(store::RunStatus::Failed, e.what());
        } catch (const std::exception &) {
            // the original error matters more than a failure to record it
        }
        throw;
    }
    finish(store::RunStatus::Done, {});
}

} // namespace lieq::jobs
