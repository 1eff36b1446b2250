// `lieq sweep SPEC.json [--dry-run] [--workers N | --slurm ...]`: a grid of quantization +
// evaluation cells (models x calibration sets x plans x budgets x bit sets x backends x seeds),
// listed with its estimated cost, run by a bounded pool of local worker processes (resumable),
// or submitted to Slurm as one job array. Subcommands on a sweep folder: status, results,
// collect, run-cell (cmd_sweep_folder.cpp). The spec format is in docs/sweeps.md.
#include "app/cli/args.h"
#include "app/cli/command.h"
#include "app/cli/sweep_commands.h"
#include "app/cli/terminal_progress.h"
#include "core/jobs/sweep_job.h"
#include "core/sweep/cost_estimate.h"
#include "core/sweep/local_executor.h"
#include "core/sweep/slurm_executor.h"
#include "core/sweep/sweep_folder.h"
#include "core/sweep/sweep_status.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>

namespace {

using lieq::cli::Args;
namespace fs = std::filesystem;
namespace sw = lieq::sweep;
using ojson = nlohmann::ordered_json;

const char *kMoreHelp =
    "\nForms:\n"
    "  lieq sweep SPEC.json [--dir DIR] --dry-run     list the cells and the estimated cost\n"
    "  lieq sweep SPEC.json [--dir DIR] [--workers N] run locally (finished cells are skipped),\n"
    "                                                 then collect into the store\n"
    "  lieq sweep SPEC.json [--dir DIR] --slurm [--partition P --time T --mem M ...]\n"
    "                                                 submit one sbatch job array\n"
    "  lieq sweep status DIR     each cell's state (Slurm: squeue, sacct, scontrol)\n"
    "  lieq sweep results DIR    the table over all cells [--csv FILE] [--out FILE.json]\n"
    "  lieq sweep collect DIR    merge finished cells into the store (twice adds nothing)\n"
    "  lieq sweep run-cell DIR I run cell I here (what workers and array tasks run)\n"
    "DIR defaults to SPEC's folder/<spec name>.sweep. The spec format: docs/sweeps.md.\n";

std::string hours(double seconds)
{
    char buf[48];
    if (seconds < 120)
        std::snprintf(buf, sizeof buf, "%.0f s", seconds);
    else if (seconds < 7200)
        std::snprintf(buf, sizeof buf, "%.1f min", seconds / 60);
    else
        std::snprintf(buf, sizeof buf, "%.1f h", seconds / 3600);
    return buf;
}

std::string defaultDir(const sw::SweepSpec &spec)
{
    return (fs::absolute(fs::path(spec.sourcePath)).parent_path() / (spec.name + ".sweep")).string();
}

// The grid and its cost, before anything runs.
int dryRun(const Args &args, const sw::SweepSpec &spec, const std::string &dir)
{
    const sw::Expansion grid = sw::expandCells(spec);
    sw::CostModel model;
    bool fitted = false;
    if (fs::exists(fs::path(dir) / "sweep.json")) {
        // Cells this folder has finished calibrate the throughput.
        const sw::SweepFolder folder = sw::SweepFolder::open(dir);
        const sw::SweepCost est = sw::estimateSweep(folder.cells(), folder.spec(), model);
        std::vector<double> measured;
        for (const auto &c : folder.cells()) {
            const sw::CellStatus s = folder.readStatus(c.index);
            measured.push_back(s.state == sw::CellState::Done ? s.wallSeconds : 0.0);
        }
        model = sw::calibrated(model, est.cells, measured, &fitted);
    }
    const sw::SweepCost cost = sw::estimateSweep(grid.cells, spec, model);
    if (args.has("json")) {
        ojson cells = ojson::array();
        for (const auto &c : grid.cells) {
            const sw::CellCost &k = cost.cells[static_cast<std::size_t>(c.index)];
            cells.push_back({{"index", c.index}, {"key", c.key}, {"label", c.label()},
                             {"params", ojson::parse(c.paramsJson())},
                             {"estimated_s", k.known ? ojson(k.seconds) : ojson(nullptr)}});
        }
        const ojson j{{"sweep", spec.name}, {"dir", dir}, {"cells", cells},
                      {"skipped", grid.skipped}, {"estimated_total_s", cost.totalSeconds},
                      {"unknown_cost_cells", cost.unknownCells},
                      {"gflop_per_s", model.gflopPerSecond}, {"fitted", fitted}};
        std::printf("%s\n", j.dump(2).c_str());
        return 0;
    }
    std::printf("sweep \"%s\": %zu cells (folder %s)\n", spec.name.c_str(), grid.cells.size(),
                dir.c_str());
    for (const auto &c : grid.cells) {
        const sw::CellCost &k = cost.cells[static_cast<std::size_t>(c.index)];
        std::printf("%5d  %-60s %10s\n", c.index, c.label().c_str(),
                    k.known ? hours(k.seconds).c_str() : "unknown");
    }
    for (const auto &s : grid.skipped)
        std::printf("skipped: %s\n", s.c_str());
    std::printf("estimated cost: %s of one worker (%.1f GFLOP/s%s)", hours(cost.totalSeconds).c_str(),
                model.gflopPerSecond, fitted ? ", fitted to this folder's finished cells" : "");
    if (cost.unknownCells > 0)
        std::printf(", plus %d cells whose model cannot be read", cost.unknownCells);
    std::printf("\n");
    return 0;
}

sw::SlurmOptions slurmOptions(const Args &args)
{
    sw::SlurmOptions o;
    o.program = args.value("lieq");
    o.partition = args.value("partition");
    o.time = args.value("time");
    o.mem = args.value("mem");
    o.account = args.value("account");
    o.qos = args.value("qos");
    o.gres = args.value("gres");
    o.cpusPerTask = static_cast<int>(args.intValue("cpus-per-task", 0));
    o.maxParallel = static_cast<int>(args.intValue("max-parallel", 0));
    o.extraArgs = args.values("sbatch-arg");
    return o;
}

int runSpec(const Args &args, const std::string &specPath)
{
    const sw::SweepSpec spec = sw::loadSweepSpec(specPath);
    const std::string dir = args.value("dir", defaultDir(spec));
    if (args.has("dry-run"))
        return dryRun(args, spec, dir);
    const sw::SweepFolder folder = sw::SweepFolder::createOrUpdate(dir, spec);
    std::fprintf(stderr, "sweep \"%s\": %zu cells (%d new) in %s\n", spec.name.c_str(),
                 folder.cells().size(), folder.addedCells(), folder.dir().c_str());
    if (args.has("slurm")) {
        const sw::SlurmSubmission sub = sw::submitSlurm(folder, slurmOptions(args));
        if (args.has("json")) {
            const ojson j{{"dir", folder.dir()}, {"job_id", sub.jobId}, {"array", sub.array},
                          {"cells", sub.cells}, {"script", sub.script}};
            std::printf("%s\n", j.dump(2).c_str());
        } else {
            std::printf("submitted Slurm job array %s (tasks %s) from %s\n"
                        "follow it with: lieq sweep status %s\n"
                        "then gather it: lieq sweep collect %s\n",
                        sub.jobId.c_str(), sub.array.c_str(), sub.script.c_str(),
                        folder.dir().c_str(), folder.dir().c_str());
        }
        return 0;
    }
    sw::LocalRunOptions o;
    o.program = args.value("lieq");
    o.workers = static_cast<int>(args.intValue("workers", 1));
    if (o.workers < 1)
        args.fail("--workers must be at least 1");
    if (args.has("threads"))
        o.threads = static_cast<int>(args.intValue("threads", 0));
    lieq::cli::TerminalProgress bar(!args.common().quiet);
    const sw::LocalRunReport r = sw::runLocal(folder, o, bar.callback());
    bar.finish();
    std::fprintf(stderr, "ran %d cells (%d done, %d failed, %d already done or running) in %.1f s\n",
                 r.done + r.failed, r.done, r.failed, r.skipped, r.wallSeconds);
    if (args.common().store && !args.has("no-collect")) {
        const lieq::jobs::CollectReport c =
            lieq::jobs::collectSweep(folder, sw::sweepStatus(folder, false), args.jobContext(bar));
        std::fprintf(stderr, "collected %d cells into the store (%lld rows added)\n", c.cellsMerged,
                     static_cast<long long>(c.rowsAdded));
        for (const auto &p : c.problems)
            std::fprintf(stderr, "collect: %s\n", p.c_str());
    }
    lieq::cli::writeSweepResults(args, folder.dir(), false);
    return r.failed > 0 ? 1 : 0;
}

int run(const Args &args)
{
    const std::string first = args.positional(0, "SPEC.json | status|results|collect|run-cell DIR");
    if (first == "status")
        return lieq::cli::sweepStatus(args, args.positional(1, "DIR"));
    if (first == "results")
        return lieq::cli::sweepResults(args, args.positional(1, "DIR"));
    if (first == "collect")
        return lieq::cli::sweepCollect(args, args.positional(1, "DIR"));
    if (first == "run-cell")
        return lieq::cli::sweepRunCell(args, args.positional(1, "DIR"), args.positional(2, "INDEX"));
    return runSpec(args, first);
}

const lieq::cli::CommandRegistration registration(run, R"(
lieq sweep SPEC.json | status DIR | results DIR | collect DIR | run-cell DIR INDEX
run a grid of quantizations + evaluations locally or as a Slurm job array
--dir DIR           sweep folder (default: beside SPEC, <name>.sweep)
--dry-run           list the cells and the estimated cost; run nothing
--workers N         local worker processes at once (default 1)
--lieq PATH         the lieq program workers run (default: this one)
--no-collect        leave the results in the sweep folder
--slurm             submit one sbatch job array instead of running locally
--partition P       Slurm partition
--time T            Slurm time limit per cell, e.g. 02:00:00
--mem M             Slurm memory per cell, e.g. 16G
--account A         Slurm account
--qos Q             Slurm QOS
--gres G            Slurm generic resources per cell, e.g. gpu:1
--cpus-per-task N   Slurm CPUs per cell (default: the spec's threads)
--max-parallel N    at most N array tasks at once (%N)
--sbatch-arg ARG    a further #SBATCH argument, verbatim (repeatable)
--no-scheduler      status: do not ask Slurm, only the cells' files
--csv FILE          results: also write the table as CSV
--out FILE          results: also write the table as JSON
)",
    {},
    kMoreHelp,
    lieq::cli::CommandDefaults{true, 1});

} // namespace
