#pragma once

#include <cstdint>
#include <string>

// A cell's state as its worker records it in DIR/cells/NNNN/status.json.
namespace lieq::sweep {

enum class CellState {
    Pending,  // nothing ran yet
    Queued,   // submitted, waiting for the scheduler (only ever reported, never written)
    Running,
    Done,
    Failed,
};

std::string cellStateName(CellState s);                 // "pending", "queued", ...
CellState cellStateFromName(const std::string &name);   // throws lieq::Error

struct CellStatus
{
    CellState state = CellState::Pending;
    std::string attempt;        // id of this attempt: the cell store's merge identity
    std::string host;
    std::int64_t pid = 0;
    std::string slurmJob;       // "JOBID_TASK" when run by a Slurm array task
    std::int64_t startedMs = 0;
    std::int64_t finishedMs = 0;
    double wallSeconds = 0;
    std::string error;          // failed: why

    std::string toJson() const;
    static CellStatus fromJson(const std::string &text, const std::string &source);
};

} // namespace lieq::sweep
