#pragma once

#include "core/util/progress.h"

#include <string>
#include <vector>

// Runs a sweep's cells on this machine: a bounded pool of worker processes, each
// `PROGRAM sweep run-cell DIR INDEX --threads T`. Resumable: cells whose status is "done" are
// skipped, failed and interrupted ones run again; a cell still running under a live process of
// this host (another executor) is left to it. A worker that dies without recording an outcome
// (a crash, a kill) is recorded "failed" with the signal or exit code; the other cells go on.
namespace lieq::sweep {

class SweepFolder;

struct LocalRunOptions
{
    std::string program;            // the lieq executable ("" -> this executable)
    int workers = 1;                // processes at once
    int threads = 0;                // compute threads per worker (0 -> the spec's)
    std::vector<int> cells;         // only these (empty: all)
};

struct LocalRunReport
{
    int done = 0;                   // finished "done" in this run
    int failed = 0;
    int skipped = 0;                // already done, or running elsewhere
    double wallSeconds = 0;
};

// Progress: stage "sweep", done = cells finished of total to run; detail names the last cell.
// Returning false terminates the workers (SIGTERM; they record "failed: cancelled") and throws
// lieq::Cancelled.
LocalRunReport runLocal(const SweepFolder &folder, const LocalRunOptions &options,
                        const ProgressFn &progress = {});

// Whether `pid` is alive on this host.
bool processAlive(long long pid);

} // namespace lieq::sweep
