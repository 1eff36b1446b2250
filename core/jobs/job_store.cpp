#include "core/jobs/job_store.h"

#include "core/data/corpus.h"
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

CalibratedRunStore openCalibratedRun(const JobContext &context, const std::string &modelDir,
                                     const CalibrationSpec &calibration,
                                     const std::string &settingsJson, bool reuse)
{
    CalibratedRunStore out;
    out.db = openStore(context);
    if (!out.db)
        return out;
    store::ExperimentStore &db = *out.db;
    out.path = db.path();
    const store::ModelRecord model = store::describeModel(modelDir);
    const store::DatasetRecord data =
        store::describeDataset(calibration.path, Corpus::kindOf(calibration.path, calibration.field));
    out.modelId = db.upsertModel(model);
    out.datasetId = db.upsertDataset(data);
    if (!reuse)
        return out;
    if (auto id = db.findReusableAnalysisRun(model.fingerprint, data.contentHash,
                                             store::settingsHash(settingsJson))) {
        out.reusable = db.loadAnalysisRun(*id);
        if (!out.reusable)
            throw Error(db.path(), "stored run " + std::to_string(*id) + " vanished while it was read");
    }
    return out;
}

std::int64_t CalibratedRunStore::beginRun(const std::string &backend, const std::string &settingsJson,
                                          std::optional<std::int64_t> seed)
{
    if (!db)
        return 0;
    return db->beginAnalysisRun(
        {.modelId = modelId, .datasetId = datasetId, .backend = backend, .settingsJson = settingsJson, .seed = seed});
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

void runRecordedAnalysis(store::ExperimentStore *db, std::int64_t runId,
                         std::chrono::steady_clock::time_point start, const std::function<void()> &work,
                         const std::function<std::string()> &timings)
{
    if (!db) {
        work();
        return;
    }
    recordOutcome(work, [&](store::RunStatus status, const std::string &error) {
        store::RunOutcome o;
        o.status = status;
        o.errorText = error;
        o.timingsJson = status == store::RunStatus::Done ? timings() : "{}";
        o.wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        db->finishAnalysisRun(runId, o);
    });
}

} // namespace lieq::jobs
