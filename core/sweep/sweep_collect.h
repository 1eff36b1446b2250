#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lieq::store {
class ExperimentStore;
}

// Gathers a sweep into the user's experiment store: each finished cell's own store is merged
// (idempotently: collecting twice adds nothing), and the sweep with every cell's state and
// quantization run is recorded, so History shows the runs grouped by sweep.
namespace lieq::sweep {

class SweepFolder;
struct SweepReport;

struct CollectReport
{
    std::int64_t sweepId = 0;        // in the destination store
    int cellsMerged = 0;             // finished cells whose store was merged
    int cellsWaiting = 0;            // pending, queued or running: collect again later
    std::int64_t rowsAdded = 0;      // by this call (0 when collected before)
    std::vector<std::string> problems; // cells whose store could not be merged, with the reason
};

CollectReport collectSweep(const SweepFolder &folder, const SweepReport &status,
                           store::ExperimentStore &dest);

} // namespace lieq::sweep
