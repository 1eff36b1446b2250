#include "core/jobs/job_context.h"

#include "core/model/device.h"
#include "core/model/model.h"
#include "core/store/experiment_store.h"

namespace lieq::jobs {

void JobContext::report(const std::string &stage, std::int64_t done, std::int64_t total,
                        const std::string &detail) const
{
    reportProgress(progress, {stage, done, total, detail});
}

std::string JobContext::storePath() const
{
    return store.enabled ? storeFile() : std::string();
}

std::string JobContext::storeFile() const
{
    return store.path.empty() ? store::ExperimentStore::defaultPath() : store.path;
}

void JobContext::applyThreads() const
{
    if (threads >= 0)
        setComputeThreads(threads);
}

std::vector<std::string> availableDevices() { return lieq::availableDevices(); }

bool cudaAvailable() { return lieq::cudaAvailable(); }

} // namespace lieq::jobs
