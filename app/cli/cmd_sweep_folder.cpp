// `lieq sweep status|results|collect|run-cell DIR ...`: what is done with a sweep folder once
// it exists (the command's options and registration are in cmd_sweep.cpp).
#include "app/cli/sweep_commands.h"
#include "app/cli/terminal_progress.h"
#include "core/jobs/sweep_job.h"
#include "core/sweep/sweep_folder.h"
#include "core/sweep/sweep_status.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <csignal>
#include <cstdio>

namespace lieq::cli {

namespace {

namespace sw = lieq::sweep;

std::atomic<bool> g_terminate{false};
void onTerminate(int) { g_terminate = true; }

void printCounts(const sw::SweepReport &r, std::FILE *out)
{
    std::fprintf(out, "%zu cells:", r.cells.size());
    for (const auto &[state, n] : r.counts)
        std::fprintf(out, " %d %s", n, sw::cellStateName(state).c_str());
    std::fprintf(out, "\n");
    for (const auto &note : r.notes)
        std::fprintf(out, "note: %s\n", note.c_str());
}

} // namespace

void writeSweepResults(const Args &args, const std::string &dir, bool askScheduler)
{
    const sw::SweepFolder folder = sw::SweepFolder::open(dir);
    const sw::SweepReport report = sw::sweepStatus(folder, askScheduler);
    if (args.has("csv"))
        writeFileAtomic(args.value("csv"), sw::resultsCsv(folder, report));
    if (args.has("out"))
        writeFileAtomic(args.value("out"), sw::resultsJson(folder, report));
    if (args.has("json")) {
        std::printf("%s", sw::resultsJson(folder, report).c_str());
        return;
    }
    std::printf("%s", sw::resultsText(folder, report).c_str());
    printCounts(report, stdout);
}

int sweepStatus(const Args &args, const std::string &dir)
{
    const sw::SweepFolder folder = sw::SweepFolder::open(dir);
    const sw::SweepReport r = sw::sweepStatus(folder, !args.has("no-scheduler"));
    if (args.has("json")) {
        nlohmann::ordered_json cells = nlohmann::ordered_json::array();
        for (const auto &c : r.cells)
            cells.push_back({{"cell", c.index}, {"label", c.label},
                             {"state", sw::cellStateName(c.state)}, {"detail", c.detail},
                             {"host", c.status.host}, {"slurm_job", c.status.slurmJob},
                             {"wall_s", c.status.wallSeconds}});
        nlohmann::ordered_json counts = nlohmann::ordered_json::object();
        for (const auto &[state, n] : r.counts)
            counts[sw::cellStateName(state)] = n;
        const nlohmann::ordered_json j{{"sweep", folder.spec().name}, {"dir", folder.dir()},
                                       {"slurm", r.slurm}, {"counts", counts}, {"cells", cells},
                                       {"notes", r.notes}};
        std::printf("%s\n", j.dump(2).c_str());
        return 0;
    }
    for (const auto &c : r.cells)
        std::printf("%5d  %-8s %-55s %s\n", c.index, sw::cellStateName(c.state).c_str(),
                    c.label.c_str(), c.detail.c_str());
    printCounts(r, stdout);
    return 0;
}

int sweepResults(const Args &args, const std::string &dir)
{
    writeSweepResults(args, dir, !args.has("no-scheduler"));
    return 0;
}

int sweepCollect(const Args &args, const std::string &dir)
{
    if (!args.common().store)
        args.fail("collect writes the experiment store; drop --no-store");
    const sw::SweepFolder folder = sw::SweepFolder::open(dir);
    TerminalProgress bar(!args.common().quiet);
    const jobs::CollectReport c = jobs::collectSweep(
        folder, sw::sweepStatus(folder, !args.has("no-scheduler")), args.jobContext(bar));
    bar.finish();
    if (args.has("json")) {
        const nlohmann::ordered_json j{{"sweep_id", c.sweepId}, {"cells_merged", c.cellsMerged},
                                       {"cells_waiting", c.cellsWaiting},
                                       {"rows_added", c.rowsAdded}, {"problems", c.problems}};
        std::printf("%s\n", j.dump(2).c_str());
    } else {
        std::printf("sweep %lld: merged %d finished cells (%lld rows added), %d still waiting\n",
                    static_cast<long long>(c.sweepId), c.cellsMerged,
                    static_cast<long long>(c.rowsAdded), c.cellsWaiting);
        for (const auto &p : c.problems)
            std::printf("problem: %s\n", p.c_str());
    }
    return c.problems.empty() ? 0 : 1;
}

int sweepRunCell(const Args &args, const std::string &dir, const std::string &indexText)
{
    int index = -1;
    try {
        std::size_t used = 0;
        index = std::stoi(indexText, &used);
        if (used != indexText.size())
            index = -1;
    } catch (const std::exception &) {
    }
    if (index < 0)
        args.fail("run-cell: \"" + indexText + "\" is not a cell index");
    // scancel, a time limit and the local executor's cancel send SIGTERM: the cell stops at
    // its next progress check and records "failed" instead of vanishing.
    std::signal(SIGTERM, onTerminate);
    TerminalProgress bar(!args.common().quiet);
    jobs::JobContext ctx = args.jobContext(bar);
    const ProgressFn inner = ctx.progress;
    ctx.progress = [inner](const Progress &p) { return !g_terminate && (!inner || inner(p)); };
    sw::CellStatus s = jobs::runSweepCell(dir, index, ctx);
    bar.finish();
    if (s.state == sw::CellState::Failed && g_terminate && s.error == "cancelled") {
        s.error = "cancelled by SIGTERM (scancel, a time limit, or the sweep was stopped)";
        sw::SweepFolder::open(dir).writeStatus(index, s);
    }
    std::fprintf(stderr, "cell %d: %s%s%s\n", index, sw::cellStateName(s.state).c_str(),
                 s.error.empty() ? "" : ": ", s.error.c_str());
    return s.state == sw::CellState::Done ? 0 : 1;
}

} // namespace lieq::cli
