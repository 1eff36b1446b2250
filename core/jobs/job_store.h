#pragma once

#include "core/data/calibration.h"
#include "core/jobs/job_context.h"
#include "core/store/records.h"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace lieq::store {
class ExperimentStore;
}

// How jobs write the experiment store: for job implementations (core/jobs/*.cpp) only. Front
// ends read results from job results and run_history.h; compute modules never see the store.
namespace lieq::jobs {

// The context's store opened read-write, or null when the context records nothing.
std::unique_ptr<store::ExperimentStore> openStore(const JobContext &context);

// Model and data set records a run refers to (inserted or found; ids).
std::int64_t recordModel(store::ExperimentStore &db, const std::string &modelDir);
// `kind` as Corpus::kindOf gives it for corpora, or a task name.
std::int64_t recordDataset(store::ExperimentStore &db, const std::string &path,
                           const std::string &kind);

// Runs `work` for a run already begun in the store and closes it: `finish(Done, "")` when work
// returns, `finish(Cancelled, "")` when it throws lieq::Cancelled, `finish(Failed, message)` for
// any other exception (a failure to record that is swallowed: the original error matters more).
// The exception is rethrown.
// The store side of a calibrated run (analysis, measure pass) about to begin: the context's store
// opened (null when it records nothing), the run's model and calibration corpus recorded
// (inserted or found), and with `reuse` the finished stored analysis run made with the same
// model, data and settings (settingsJson, compared by hash), when there is one.
struct CalibratedRunStore
{
    std::unique_ptr<store::ExperimentStore> db;
    std::string path; // db's file; "" without a store
    std::int64_t modelId = 0;
    std::int64_t datasetId = 0;
    std::optional<store::AnalysisRunDetail> reusable;

    // Begins the analysis run ("running", on this model and corpus); its id, 0 without a store.
    std::int64_t beginRun(const std::string &backend, const std::string &settingsJson,
                          std::optional<std::int64_t> seed);
};
CalibratedRunStore openCalibratedRun(const JobContext &context, const std::string &modelDir,
                                     const CalibrationSpec &calibration,
                                     const std::string &settingsJson, bool reuse);

void recordOutcome(const std::function<void()> &work,
                   const std::function<void(store::RunStatus, const std::string &)> &finish);

} // namespace lieq::jobs

namespace lieq::jobs {

// Runs `work` as the stored analysis run `runId` (analysis or measure pass) and finishes it the
// way recordOutcome says, with timings() (when done) and the wall seconds since `start`. Without
// a store (db null) it only runs `work`.
void runRecordedAnalysis(store::ExperimentStore *db, std::int64_t runId,
                         std::chrono::steady_clock::time_point start, const std::function<void()> &work,
                         const std::function<std::string()> &timings);

} // namespace lieq::jobs
