#include "core/sweep/local_executor.h"

#include "core/sweep/process.h"
#include "core/sweep/sweep_folder.h"
#include "core/util/error.h"
#include "core/util/host.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <deque>
#include <filesystem>
#include <thread>
#include <unistd.h>

namespace lieq::sweep {

namespace {

struct Running
{
    int index;
    ChildProcess process;
};

// A worker ended: when it did not record an outcome itself, record why it ended.
void settle(const SweepFolder &folder, Running &r)
{
    CellStatus s = folder.readStatus(r.index);
    if (s.state == CellState::Done || s.state == CellState::Failed)
        return;
    s.state = CellState::Failed;
    s.finishedMs = nowMs();
    if (s.startedMs > 0)
        s.wallSeconds = double(s.finishedMs - s.startedMs) / 1000.0;
    s.error = r.process.signal() != 0
                  ? "worker killed by signal " + std::to_string(r.process.signal()) + " (" +
                        strsignal(r.process.signal()) + ")"
                  : "worker exited with code " + std::to_string(r.process.exitCode()) +
                        " without recording a result";
    folder.writeStatus(r.index, s);
}

} // namespace

bool processAlive(long long pid)
{
    if (pid <= 0)
        return false;
    return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

LocalRunReport runLocal(const SweepFolder &folder, const LocalRunOptions &options,
                        const ProgressFn &progress)
{
    const auto t0 = std::chrono::steady_clock::now();
    const std::string program = options.program.empty() ? currentExecutable() : options.program;
    if (program.empty() || findProgram(program).empty())
        throw Error(program, "the worker program (lieq) cannot be run");
    const int workers = std::max(1, options.workers);
    const int threads = options.threads > 0 ? options.threads : folder.spec().threads;

    LocalRunReport report;
    std::deque<int> queue;
    std::vector<int> wanted = options.cells;
    if (wanted.empty())
        for (const SweepCell &c : folder.cells())
            wanted.push_back(c.index);
    const std::string host = hostName();
    for (int index : wanted) {
        folder.cell(index); // range check
        const CellStatus s = folder.readStatus(index);
        const bool liveElsewhere = s.state == CellState::Running && s.host == host &&
                                   processAlive(s.pid);
        if (s.state == CellState::Done || liveElsewhere)
            ++report.skipped;
        else
            queue.push_back(index);
    }
    const auto total = static_cast<std::int64_t>(queue.size());
    std::vector<Running> running;
    std::string lastLabel;
    auto report_progress = [&]() {
        if (!progress)
            return true;
        Progress p;
        p.stage = "sweep";
        p.done = report.done + report.failed;
        p.total = total;
        p.detail = std::to_string(running.size()) + " running" +
                   (lastLabel.empty() ? std::string() : "; last: " + lastLabel);
        return progress(p);
    };
    try {
        while (!queue.empty() || !running.empty()) {
            while (!queue.empty() && static_cast<int>(running.size()) < workers) {
                const int index = queue.front();
                queue.pop_front();
                std::error_code ec;
                std::filesystem::create_directories(folder.cellDir(index), ec);
                running.push_back({index, ChildProcess::start(
                                              {program, "sweep", "run-cell", folder.dir(),
                                               std::to_string(index), "--threads",
                                               std::to_string(threads)},
                                              folder.cellLogPath(index))});
            }
            for (auto it = running.begin(); it != running.end();) {
                if (!it->process.poll()) {
                    ++it;
                    continue;
                }
                settle(folder, *it);
                const CellStatus s = folder.readStatus(it->index);
                (s.state == CellState::Done ? report.done : report.failed)++;
                lastLabel = folder.cell(it->index).label() + ": " + cellStateName(s.state);
                it = running.erase(it);
            }
            if (!report_progress())
                throw Cancelled();
            if (!running.empty())
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
    } catch (...) {
        // Cancel or error: stop the workers politely, then for good, and record their end.
        for (Running &r : running)
            r.process.terminate();
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        for (Running &r : running) {
            while (!r.process.poll() && std::chrono::steady_clock::now() < deadline)
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            if (!r.process.poll()) {
                r.process.kill();
                r.process.wait();
            }
            settle(folder, r);
        }
        throw;
    }
    report.wallSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return report;
}

} // namespace lieq::sweep
