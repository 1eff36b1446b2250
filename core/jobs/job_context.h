#pragma once

#include "core/util/progress.h"

#include <cstdint>
#include <string>
#include <vector>

// core/jobs: the use cases both front ends call (analyse, quantize, evaluate, ...). Each job is
// one function: a request struct in, a result struct out, and a JobContext with what every job
// shares: progress and cancel, the experiment store, the device and compute threads. Jobs load
// models themselves, so ui/ and app/ never touch the model runtime; and jobs are the only code
// that writes the experiment store (compute modules below never see it).
//
// Usage (CLI or a GUI worker thread alike):
//
//   lieq::jobs::JobContext ctx;
//   ctx.progress = bar.callback();            // returning false cancels: lieq::Cancelled
//   ctx.store.path = "/tmp/store.sqlite";     // or ctx.store.enabled = false
//   ctx.device = "cpu";
//   lieq::jobs::AnalysisRequest req;
//   req.modelDir = "models/qwen";
//   req.calibration.path = "wiki.train.txt";  // samples/seqlen default to core/data's
//   const lieq::jobs::AnalysisResult r = lieq::jobs::runAnalysis(req, ctx);
namespace lieq::jobs {

// Where a job records what it did.
struct StoreOptions
{
    bool enabled = true; // false: nothing is recorded (`--no-store`)
    std::string path;    // "" -> ExperimentStore::defaultPath() ($LIEQ_STORE, else user data)
};

struct JobContext
{
    // Called regularly from the job's thread; returning false makes the job stop at the next
    // check and throw lieq::Cancelled, with the store left consistent ("cancelled" runs).
    ProgressFn progress;
    StoreOptions store;
    // Compute threads for the job's thread (torch intra-op pool): < 0 leaves the current
    // setting (the process policy), 0 = all cores, N = N threads.
    int threads = -1;
    std::string device = "auto"; // "auto", "cpu", "cuda", "cuda:N"
    bool streamLayers = false;   // stream decoder layers even when the model fits in memory

    // reportProgress(progress, ...): throws lieq::Cancelled when the callback says stop.
    void report(const std::string &stage, std::int64_t done, std::int64_t total,
                const std::string &detail = {}) const;
    // The store file jobs write to: store.path, or the default path; "" when disabled.
    std::string storePath() const;
    // The store file history and stored scores are read from, even when recording is off.
    std::string storeFile() const;
    // Applies `threads` to the calling thread (jobs call it first).
    void applyThreads() const;
};

// Devices a job can run on ("cpu", then "cuda:0", ... when libtorch sees GPUs).
std::vector<std::string> availableDevices();
bool cudaAvailable();

} // namespace lieq::jobs
