#include "core/sweep/sweep_status.h"

#include "core/sweep/local_executor.h"
#include "core/sweep/slurm_executor.h"
#include "core/sweep/sweep_folder.h"
#include "core/util/atomic_file.h"
#include "core/util/host.h"
#include "core/util/text.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <set>
#include <unistd.h>

namespace lieq::sweep {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

namespace {

// The state of a cell from its status file and what the scheduler says about its task.
void resolve(CellReport &c, const SchedulerTask *task, bool submitted, const std::string &host)
{
    const CellStatus &s = c.status;
    switch (s.state) {
    case CellState::Done:
    case CellState::Failed:
    case CellState::Queued:
        c.state = s.state;
        c.detail = s.error;
        return;
    case CellState::Running:
        if (task && schedulerStateFinal(task->state)) {
            c.state = CellState::Failed;
            c.detail = "Slurm task " + task->jobId + " ended " + task->state + " without a result";
        } else if (s.slurmJob.empty() && s.host == host && !processAlive(s.pid)) {
            c.state = CellState::Failed;
            c.detail = "worker process " + std::to_string(s.pid) + " ended without a result";
        } else if (!s.slurmJob.empty() && submitted && !task) {
            c.state = CellState::Failed;
            c.detail = "Slurm task " + s.slurmJob + " is gone without a result";
        } else {
            c.state = CellState::Running;
            c.detail = s.slurmJob.empty() ? "pid " + std::to_string(s.pid) + " on " + s.host
                                          : "Slurm task " + s.slurmJob + " on " + s.host;
        }
        return;
    case CellState::Pending:
        break;
    }
    if (task) {
        if (task->state == "PENDING") {
            c.state = CellState::Queued;
            c.detail = task->jobId + (task->reason.empty() ? "" : " (" + task->reason + ")");
        } else if (schedulerStateFinal(task->state)) {
            c.state = CellState::Failed;
            c.detail = "Slurm task " + task->jobId + " ended " + task->state + " before the cell started";
        } else {
            c.state = CellState::Running;
            c.detail = "Slurm task " + task->jobId + " " + task->state;
        }
    } else if (submitted) {
        c.state = CellState::Failed;
        c.detail = "submitted to Slurm, but the scheduler has no record of its task and it left no status";
    }
}

std::string text(const ordered_json &v)
{
    if (v.is_null())
        return "";
    if (v.is_string())
        return v.get<std::string>();
    if (v.is_number_float()) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.6g", v.get<double>());
        return buf;
    }
    return v.dump();
}

ordered_json number(double v)
{
    return std::isfinite(v) ? ordered_json(v) : ordered_json(nullptr);
}

// The table's rows as ordered objects: CSV, JSON and text all come from here.
std::vector<ordered_json> rows(const SweepFolder &folder, const SweepReport &report)
{
    std::set<std::string> tasks;
    for (const CellReport &c : report.cells)
        if (c.result) {
            for (const auto &[t, v] : c.result->acc)
                tasks.insert(t);
        }
    std::vector<ordered_json> out;
    for (const CellReport &c : report.cells) {
        const SweepCell &cell = folder.cell(c.index);
        ordered_json r;
        r["cell"] = c.index;
        r["state"] = cellStateName(c.state);
        r["model"] = fs::path(cell.model).filename().string();
        r["backend"] = cell.backend;
        r["plan"] = cell.plan.name();
        r["budget"] = cell.budget ? cell.budget->text() : "";
        std::string bits;
        for (int b : cell.bitSet)
            bits += (bits.empty() ? "" : "/") + std::to_string(b);
        r["bits"] = bits;
        r["seed"] = cell.seed;
        r["calibration"] = fs::path(cell.calibration.path).filename().string();
        const CellResult none;
        const CellResult &res = c.result ? *c.result : none;
        r["nominal_bits"] = number(res.nominalBits);
        r["effective_bits"] = number(res.effectiveBits);
        r["ppl"] = number(res.ppl);
        r["ppl_fp16"] = number(res.pplReference); // the FP16 model on the same windows (with KL)
        r["kl"] = number(res.kl);
        r["top1"] = number(res.top1);
        for (const auto &t : tasks) {
            const auto it = res.acc.find(t);
            r[t + "_acc"] = number(it == res.acc.end() ? CellResult::kNone : it->second);
        }
        r["wall_s"] = c.status.wallSeconds > 0 ? ordered_json(c.status.wallSeconds) : ordered_json(nullptr);
        r["detail"] = c.state == CellState::Done ? "" : c.detail;
        out.push_back(std::move(r));
    }
    return out;
}

} // namespace

int SweepReport::finished() const
{
    const auto get = [&](CellState s) { return counts.count(s) ? counts.at(s) : 0; };
    return get(CellState::Done) + get(CellState::Failed);
}

SweepReport sweepStatus(const SweepFolder &folder, bool askScheduler)
{
    SweepReport report;
    const std::vector<SlurmSubmission> subs = slurmSubmissions(folder);
    report.slurm = !subs.empty();
    SchedulerView view;
    if (report.slurm && askScheduler) {
        view = querySlurm(subs);
        report.notes = view.notes;
    }
    std::set<int> submitted;
    for (const auto &s : subs)
        submitted.insert(s.cells.begin(), s.cells.end());
    const std::string host = hostName();
    for (const SweepCell &cell : folder.cells()) {
        CellReport c;
        c.index = cell.index;
        c.label = cell.label();
        c.status = folder.readStatus(cell.index);
        const auto it = view.tasks.find(cell.index);
        resolve(c, it == view.tasks.end() ? nullptr : &it->second,
                askScheduler && submitted.count(cell.index) > 0, host);
        if (c.state == CellState::Done && fs::exists(folder.cellResultPath(cell.index)))
            c.result = CellResult::fromJson(readFile(folder.cellResultPath(cell.index)),
                                            folder.cellResultPath(cell.index));
        report.counts[c.state]++;
        report.cells.push_back(std::move(c));
    }
    return report;
}

std::string resultsCsv(const SweepFolder &folder, const SweepReport &report)
{
    const auto table = rows(folder, report);
    if (table.empty())
        return {};
    std::string out;
    for (const auto &[k, v] : table.front().items())
        out += (out.empty() ? "" : ",") + csvField(k);
    out += "\n";
    for (const auto &r : table) {
        bool first = true;
        for (const auto &[k, v] : r.items()) {
            out += (first ? "" : ",") + csvField(text(v));
            first = false;
        }
        out += "\n";
    }
    return out;
}

std::string resultsJson(const SweepFolder &folder, const SweepReport &report)
{
    ordered_json j;
    j["sweep"] = folder.spec().name;
    j["uid"] = folder.uid();
    j["folder"] = folder.dir();
    ordered_json counts = ordered_json::object();
    for (const auto &[state, n] : report.counts)
        counts[cellStateName(state)] = n;
    j["counts"] = counts;
    j["cells"] = rows(folder, report);
    if (!report.notes.empty())
        j["notes"] = report.notes;
    return j.dump(2) + "\n";
}

std::string resultsText(const SweepFolder &folder, const SweepReport &report)
{
    const auto table = rows(folder, report);
    if (table.empty())
        return "(no cells)\n";
    std::vector<std::string> header;
    for (const auto &[k, v] : table.front().items())
        header.push_back(k);
    std::vector<std::vector<std::string>> cells{header};
    for (const auto &r : table) {
        std::vector<std::string> line;
        for (const auto &[k, v] : r.items())
            line.push_back(text(v));
        cells.push_back(std::move(line));
    }
    std::vector<std::size_t> width(header.size(), 0);
    for (const auto &line : cells)
        for (std::size_t i = 0; i < line.size(); ++i)
            if (i + 1 < line.size()) // the last column (detail) is not padded
                width[i] = std::max(width[i], line[i].size());
    std::string out;
    for (const auto &line : cells) {
        for (std::size_t i = 0; i < line.size(); ++i) {
            out += line[i];
            if (i + 1 < line.size())
                out += std::string(width[i] - line[i].size() + 2, ' ');
        }
        out += "\n";
    }
    return out;
}

} // namespace lieq::sweep
