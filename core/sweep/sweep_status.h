#pragma once

#include "core/sweep/cell_result.h"
#include "core/sweep/cell_status.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

// Where every cell of a sweep stands, from the cells' own status files and, for Slurm sweeps,
// the scheduler: a cell whose worker vanished (killed job, crashed node, cancelled task) is
// reported "failed" with the reason, even though its status file still says "running".
namespace lieq::sweep {

class SweepFolder;

struct CellReport
{
    int index = 0;
    std::string label;
    CellState state = CellState::Pending;
    std::string detail;               // error, scheduler state or reason
    CellStatus status;                // as the worker recorded it
    std::optional<CellResult> result; // done cells
};

struct SweepReport
{
    std::vector<CellReport> cells;
    std::map<CellState, int> counts;
    std::vector<std::string> notes;   // scheduler remarks (e.g. accounting disabled)
    bool slurm = false;               // the sweep was submitted to Slurm
    int finished() const;             // done + failed
};

// askScheduler: query Slurm (squeue/sacct/scontrol) when the sweep was submitted there.
SweepReport sweepStatus(const SweepFolder &folder, bool askScheduler = true);

// One row per cell: parameters, state and figures. Task columns are the union over cells.
std::string resultsCsv(const SweepFolder &folder, const SweepReport &report);
std::string resultsJson(const SweepFolder &folder, const SweepReport &report);
// Aligned text for a terminal.
std::string resultsText(const SweepFolder &folder, const SweepReport &report);

} // namespace lieq::sweep
