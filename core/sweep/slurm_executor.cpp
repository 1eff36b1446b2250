#include "core/sweep/slurm_executor.h"

#include "core/sweep/process.h"
#include "core/sweep/sweep_folder.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>

namespace lieq::sweep {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string shellQuote(const std::string &s)
{
    std::string q = "'";
    for (char c : s)
        q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

std::string trim(const std::string &s)
{
    const auto b = s.find_first_not_of(" \t\r\n");
    const auto e = s.find_last_not_of(" \t\r\n");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

std::vector<std::string> split(const std::string &s, char sep)
{
    std::vector<std::string> parts;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, sep))
        parts.push_back(item);
    return parts;
}

// "JOB_TASK" of `jobId` -> TASK; -1 for other jobs and for pending ranges ("JOB_[3-9%2]").
int taskOf(const std::string &id, const std::string &jobId)
{
    const std::string prefix = jobId + "_";
    if (id.rfind(prefix, 0) != 0)
        return -1;
    const std::string t = id.substr(prefix.size());
    if (t.empty() || !std::all_of(t.begin(), t.end(), ::isdigit))
        return -1;
    return std::stoi(t);
}

std::map<int, SchedulerTask> parsePiped(const std::string &out, const std::string &jobId,
                                        const char *source)
{
    std::map<int, SchedulerTask> tasks;
    for (const std::string &raw : split(out, '\n')) {
        const auto f = split(trim(raw), '|');
        if (f.size() < 2)
            continue;
        const int task = taskOf(f[0], jobId);
        if (task < 0)
            continue;
        SchedulerTask t;
        t.jobId = f[0];
        t.state = split(f[1], ' ').empty() ? f[1] : split(f[1], ' ')[0]; // "CANCELLED by 0"
        if (f.size() > 2)
            t.reason = f[2];
        t.source = source;
        tasks[task] = t;
    }
    return tasks;
}

std::string submissionsPath(const SweepFolder &folder)
{
    return folder.slurmDir() + "/submissions.json";
}

} // namespace

std::string compressIndices(std::vector<int> v)
{
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    std::string s;
    for (std::size_t i = 0; i < v.size();) {
        std::size_t j = i;
        while (j + 1 < v.size() && v[j + 1] == v[j] + 1)
            ++j;
        s += (s.empty() ? "" : ",") + std::to_string(v[i]);
        if (j > i)
            s += "-" + std::to_string(v[j]);
        i = j + 1;
    }
    return s;
}

std::string slurmScript(const SweepFolder &folder, const SlurmOptions &o, const std::vector<int> &cells)
{
    const std::string program = o.program.empty() ? currentExecutable() : o.program;
    const int cpus = o.cpusPerTask > 0 ? o.cpusPerTask : folder.spec().threads;
    std::string array = compressIndices(cells);
    if (o.maxParallel > 0)
        array += "%" + std::to_string(o.maxParallel);
    std::string s = "#!/bin/bash\n";
    s += "# LieQ sweep \"" + folder.spec().name + "\" (" + folder.uid() + "): array task i runs cell i.\n";
    s += "#SBATCH --job-name=" + shellQuote("lieq-" + folder.spec().name) + "\n";
    s += "#SBATCH --array=" + array + "\n";
    s += "#SBATCH --output=" + shellQuote(folder.slurmDir() + "/logs/%A_%a.out") + "\n";
    s += "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=" + std::to_string(cpus) + "\n";
    const std::pair<const char *, const std::string *> optional[] = {
        {"partition", &o.partition}, {"time", &o.time},  {"mem", &o.mem},
        {"account", &o.account},     {"qos", &o.qos},    {"gres", &o.gres}};
    for (const auto &[name, value] : optional)
        if (!value->empty())
            s += std::string("#SBATCH --") + name + "=" + *value + "\n";
    for (const std::string &a : o.extraArgs)
        s += "#SBATCH " + a + "\n";
    s += "set -u\n";
    s += "cell=$(printf '%04d' \"$SLURM_ARRAY_TASK_ID\")\n";
    s += "mkdir -p " + shellQuote(folder.dir() + "/cells") + "/\"$cell\"\n";
    s += "exec " + shellQuote(program) + " sweep run-cell " + shellQuote(folder.dir()) +
         " \"$SLURM_ARRAY_TASK_ID\" --threads " + std::to_string(cpus) + " >> " +
         shellQuote(folder.dir() + "/cells") + "/\"$cell\"/log.txt 2>&1\n";
    return s;
}

SlurmSubmission submitSlurm(const SweepFolder &folder, const SlurmOptions &o)
{
    std::vector<int> cells = o.cells;
    if (cells.empty())
        for (const SweepCell &c : folder.cells())
            if (folder.readStatus(c.index).state != CellState::Done)
                cells.push_back(c.index);
    if (cells.empty())
        throw Error(folder.dir(), "every cell of the sweep is done; nothing to submit");
    for (int i : cells)
        folder.cell(i);
    const std::string sbatch = findProgram(o.sbatch);
    if (sbatch.empty())
        throw Error("sbatch (" + o.sbatch + ") was not found in PATH: is this a Slurm login node?");
    std::error_code ec;
    fs::create_directories(folder.slurmDir() + "/logs", ec);
    if (ec)
        throw Error(folder.slurmDir(), "cannot create the folder: " + ec.message());
    std::vector<SlurmSubmission> all = slurmSubmissions(folder);
    SlurmSubmission sub;
    sub.cells = cells;
    std::sort(sub.cells.begin(), sub.cells.end());
    sub.array = compressIndices(cells);
    sub.script = folder.slurmDir() + "/sweep-" + std::to_string(all.size() + 1) + ".sbatch";
    writeFileAtomic(sub.script, slurmScript(folder, o, cells));
    fs::permissions(sub.script, fs::perms::owner_exec, fs::perm_options::add, ec);
    const CommandResult r = runCommand({sbatch, "--parsable", sub.script}, 120);
    if (!r.ok())
        throw Error(sub.script, "sbatch refused the sweep: " + trim(r.err.empty() ? r.out : r.err));
    sub.jobId = trim(split(trim(r.out), ';').front()); // "JOBID" or "JOBID;CLUSTER"
    if (sub.jobId.empty() || !std::all_of(sub.jobId.begin(), sub.jobId.end(), ::isdigit))
        throw Error(sub.script, "sbatch gave no job id: \"" + trim(r.out) + "\"");
    sub.submittedMs = nowMs();
    all.push_back(sub);
    json list = json::array();
    for (const auto &s : all)
        list.push_back({{"job_id", s.jobId}, {"cells", s.cells}, {"array", s.array},
                        {"script", s.script}, {"submitted_ms", s.submittedMs}});
    writeFileAtomic(submissionsPath(folder), list.dump(2) + "\n");
    return sub;
}

std::vector<SlurmSubmission> slurmSubmissions(const SweepFolder &folder)
{
    const std::string file = submissionsPath(folder);
    std::vector<SlurmSubmission> out;
    if (!fs::exists(file))
        return out;
    try {
        for (const auto &j : json::parse(readFile(file))) {
            SlurmSubmission s;
            s.jobId = j.at("job_id").get<std::string>();
            s.cells = j.at("cells").get<std::vector<int>>();
            s.array = j.at("array").get<std::string>();
            s.script = j.at("script").get<std::string>();
            s.submittedMs = j.at("submitted_ms").get<std::int64_t>();
            out.push_back(std::move(s));
        }
    } catch (const json::exception &e) {
        throw Error(file, std::string("malformed submissions file: ") + e.what());
    }
    return out;
}

std::map<int, SchedulerTask> parseSqueue(const std::string &out, const std::string &jobId)
{
    return parsePiped(out, jobId, "squeue");
}

std::map<int, SchedulerTask> parseSacct(const std::string &out, const std::string &jobId)
{
    return parsePiped(out, jobId, "sacct");
}

std::map<int, SchedulerTask> parseScontrol(const std::string &out, const std::string &jobId)
{
    std::map<int, SchedulerTask> tasks;
    for (const std::string &line : split(out, '\n')) {
        std::map<std::string, std::string> kv;
        std::stringstream ss(line);
        std::string word;
        while (ss >> word)
            if (const auto eq = word.find('='); eq != std::string::npos)
                kv.emplace(word.substr(0, eq), word.substr(eq + 1));
        if (kv["ArrayJobId"] != jobId)
            continue;
        const int task = taskOf(jobId + "_" + kv["ArrayTaskId"], jobId);
        if (task < 0)
            continue;
        SchedulerTask t;
        t.jobId = jobId + "_" + kv["ArrayTaskId"];
        t.state = kv["JobState"];
        t.reason = kv["Reason"];
        t.source = "scontrol";
        tasks[task] = t;
    }
    return tasks;
}

bool schedulerStateFinal(const std::string &s)
{
    static const std::set<std::string> active{"PENDING", "RUNNING", "CONFIGURING", "COMPLETING",
                                              "SUSPENDED", "REQUEUED", "RESIZING", "SIGNALING",
                                              "STAGE_OUT", "STOPPED", "REQUEUE_HOLD",
                                              "REQUEUE_FED", "RESV_DEL_HOLD"};
    return !s.empty() && !active.count(s);
}

SchedulerView querySlurm(const std::vector<SlurmSubmission> &submissions)
{
    SchedulerView view;
    const bool haveSqueue = !findProgram("squeue").empty();
    const bool haveSacct = !findProgram("sacct").empty();
    const bool haveScontrol = !findProgram("scontrol").empty();
    if (!haveSqueue)
        view.notes.push_back("squeue not found: queue states unknown");
    std::map<int, std::string> latest; // cell -> the last job that ran it
    for (const SlurmSubmission &sub : submissions)
        for (int cell : sub.cells)
            latest[cell] = sub.jobId;
    for (const SlurmSubmission &sub : submissions) {
        std::map<int, SchedulerTask> tasks;
        if (haveScontrol) { // finished tasks the controller still remembers (MinJobAge)
            const CommandResult r = runCommand({"scontrol", "show", "job", "-o", sub.jobId}, 60);
            if (r.ok())
                tasks = parseScontrol(r.out, sub.jobId);
        }
        if (haveSacct) {
            const CommandResult r = runCommand(
                {"sacct", "-n", "-P", "-X", "-j", sub.jobId, "-o", "JobID,State,ExitCode"}, 60);
            if (r.ok()) {
                for (auto &[task, t] : parseSacct(r.out, sub.jobId))
                    tasks[task] = t;
            } else if (view.notes.empty() || view.notes.back().rfind("sacct", 0) != 0) {
                view.notes.push_back("sacct: " + trim(r.err.empty() ? r.out : r.err));
            }
        }
        if (haveSqueue) { // the live view wins over accounting
            const CommandResult r = runCommand(
                {"squeue", "-h", "-r", "-j", sub.jobId, "-o", "%i|%T|%r"}, 60);
            if (r.ok())
                for (auto &[task, t] : parseSqueue(r.out, sub.jobId))
                    tasks[task] = t;
        }
        for (auto &[task, t] : tasks)
            if (latest.count(task) && latest[task] == sub.jobId)
                view.tasks[task] = t;
    }
    return view;
}

} // namespace lieq::sweep
