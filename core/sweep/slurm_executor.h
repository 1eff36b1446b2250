#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

// Runs a sweep on a Slurm cluster: ONE sbatch job array whose task i runs cell i
// (`lieq sweep run-cell DIR $SLURM_ARRAY_TASK_ID`), with the resources the user passes. The
// sweep folder must be on a file system the compute nodes share; each cell writes only its own
// folder, so no SQLite file is ever written from two nodes.
namespace lieq::sweep {

class SweepFolder;

struct SlurmOptions
{
    std::string program;           // lieq as the nodes see it ("" -> this executable)
    std::string partition;
    std::string time;              // --time, e.g. "02:00:00"
    std::string mem;               // --mem, e.g. "16G"
    std::string account;
    std::string qos;
    std::string gres;              // e.g. "gpu:1"
    int cpusPerTask = 0;           // 0 -> the spec's threads
    int maxParallel = 0;           // array throttle "%N" (0: none)
    std::vector<std::string> extraArgs; // further #SBATCH arguments, verbatim
    std::vector<int> cells;        // default: every cell not done
    std::string sbatch = "sbatch";
};

struct SlurmSubmission
{
    std::string jobId;             // the array job's id
    std::vector<int> cells;
    std::string array;             // e.g. "0-3,7"
    std::string script;            // path of the sbatch script
    std::int64_t submittedMs = 0;
};

// Writes DIR/slurm/sweep-N.sbatch and submits it; the submission is appended to
// DIR/slurm/submissions.json. Throws lieq::Error with sbatch's message when it refuses, and
// when there is nothing left to run.
SlurmSubmission submitSlurm(const SweepFolder &folder, const SlurmOptions &options);

// The script submitSlurm writes (for --dry-run and tests).
std::string slurmScript(const SweepFolder &folder, const SlurmOptions &options,
                        const std::vector<int> &cells);

std::vector<SlurmSubmission> slurmSubmissions(const SweepFolder &folder);

// "0-3,5,7-9" for {0,1,2,3,5,7,8,9} (sorted, unique).
std::string compressIndices(std::vector<int> indices);

// One array task as the scheduler reports it.
struct SchedulerTask
{
    std::string jobId;             // "JOB_TASK"
    std::string state;             // PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, ...
    std::string reason;            // squeue's reason for pending tasks
    std::string source;            // "squeue", "sacct" or "scontrol"
};

struct SchedulerView
{
    std::map<int, SchedulerTask> tasks; // by cell index (array index), latest submission wins
    std::vector<std::string> notes;     // e.g. "sacct: accounting storage is disabled"
};

// Asks squeue (tasks still queued or running), then sacct, then scontrol (finished tasks the
// controller still remembers, for clusters without accounting) about the submissions.
SchedulerView querySlurm(const std::vector<SlurmSubmission> &submissions);

// Parsers of the commands' outputs, exposed for tests. Lines "JOB_TASK|STATE|REST".
std::map<int, SchedulerTask> parseSqueue(const std::string &out, const std::string &jobId);
std::map<int, SchedulerTask> parseSacct(const std::string &out, const std::string &jobId);
// `scontrol show job -o`: one line per task with ArrayJobId=, ArrayTaskId=, JobState=.
std::map<int, SchedulerTask> parseScontrol(const std::string &out, const std::string &jobId);

// Whether a scheduler state means the task will not run (any more).
bool schedulerStateFinal(const std::string &state);

} // namespace lieq::sweep
