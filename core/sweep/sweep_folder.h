#pragma once

#include "core/sweep/cell_status.h"
#include "core/sweep/sweep_cell.h"

#include <string>
#include <vector>

// A sweep on disk, the only thing executors and workers share (locally or over a cluster's
// shared file system):
//   DIR/sweep.json            uid, the spec (absolute paths) and the cells, written by the
//                             submitting process only
//   DIR/cells/NNNN/status.json   the cell's state, written by its worker (atomic renames)
//   DIR/cells/NNNN/store.sqlite  the cell's own experiment store (never shared by writers)
//   DIR/cells/NNNN/result.json   the cell's figures, written before status says "done"
//   DIR/cells/NNNN/log.txt       the worker's output
//   DIR/slurm/                   sbatch scripts, submissions, task logs
namespace lieq::sweep {

class SweepFolder
{
public:
    // Opens DIR/sweep.json; throws lieq::Error naming the file.
    static SweepFolder open(const std::string &dir);

    // Creates DIR for `spec`, or reopens it: cells already there keep their index (matched by
    // key) and state, new ones are appended. A folder whose sweep has other shared settings
    // (evaluation, quantization, analysis) is refused: its finished cells would not compare.
    static SweepFolder createOrUpdate(const std::string &dir, const SweepSpec &spec);

    const std::string &dir() const { return m_dir; }
    const std::string &uid() const { return m_uid; }
    const SweepSpec &spec() const { return m_spec; }
    const std::vector<SweepCell> &cells() const { return m_cells; }
    const SweepCell &cell(int index) const; // throws lieq::Error for an index out of range
    int addedCells() const { return m_added; } // by the last createOrUpdate

    std::string cellDir(int index) const;
    std::string cellStorePath(int index) const;
    std::string cellResultPath(int index) const;
    std::string cellLogPath(int index) const;
    std::string slurmDir() const;

    // status.json of a cell; a missing file is Pending.
    CellStatus readStatus(int index) const;
    void writeStatus(int index, const CellStatus &status) const;

    // A worker starting a cell: removes what an earlier attempt left (store, result) and
    // writes "running" with a new attempt id, this host and pid (and the Slurm task, if any).
    CellStatus beginAttempt(int index) const;

private:
    void save() const;
    std::string m_dir;
    std::string m_uid;
    std::string m_name;
    std::int64_t m_createdMs = 0;
    SweepSpec m_spec;
    std::vector<SweepCell> m_cells;
    int m_added = 0;
};

// A random 128-bit id as 32 hex digits.
std::string newUid();
std::int64_t nowMs();

} // namespace lieq::sweep
