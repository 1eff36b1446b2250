#include "core/sweep/sweep_collect.h"

#include "core/store/experiment_store.h"
#include "core/store/store_merge.h"
#include "core/store/sweep_records.h"
#include "core/sweep/sweep_folder.h"
#include "core/sweep/sweep_status.h"

#include <filesystem>

namespace lieq::sweep {

namespace fs = std::filesystem;

CollectReport collectSweep(const SweepFolder &folder, const SweepReport &status,
                           store::ExperimentStore &dest)
{
    CollectReport report;
    store::SweepRecord sweep;
    sweep.uid = folder.uid();
    sweep.name = folder.spec().name;
    sweep.folder = folder.dir();
    sweep.specJson = sweepSpecJson(folder.spec());
    report.sweepId = store::upsertSweep(dest, sweep);

    std::vector<store::SweepCellRecord> cells;
    for (const CellReport &c : status.cells) {
        store::SweepCellRecord rec;
        rec.sweepId = report.sweepId;
        rec.cellIndex = c.index;
        rec.label = c.label;
        rec.paramsJson = folder.cell(c.index).paramsJson();
        rec.status = cellStateName(c.state);
        rec.errorText = c.state == CellState::Done ? std::string() : c.detail;
        if (c.status.wallSeconds > 0)
            rec.wallSeconds = c.status.wallSeconds;
        const bool finished = c.state == CellState::Done || c.state == CellState::Failed;
        if (!finished) {
            ++report.cellsWaiting;
        } else if (!c.status.attempt.empty() && fs::exists(folder.cellStorePath(c.index))) {
            try {
                const store::MergeReport m =
                    store::mergeStore(dest, folder.cellStorePath(c.index), c.status.attempt);
                report.rowsAdded += m.total();
                ++report.cellsMerged;
                if (c.result && c.result->quantRunId > 0)
                    rec.quantRunId = store::mergedRowId(dest, c.status.attempt, "quant_runs",
                                                        c.result->quantRunId);
            } catch (const std::exception &e) {
                report.problems.push_back("cell " + std::to_string(c.index) + ": " + e.what());
            }
        }
        cells.push_back(std::move(rec));
    }
    store::upsertSweepCells(dest, cells);
    return report;
}

} // namespace lieq::sweep
