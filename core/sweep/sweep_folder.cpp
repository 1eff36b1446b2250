#include "core/sweep/sweep_folder.h"

#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/host.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <unistd.h>

namespace lieq::sweep {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char *kFormat = "lieq.sweep";
constexpr int kFormatVersion = 1;

// Everything of a spec that every cell shares: two sweeps may share a folder only when equal.
json sharedSettings(const SweepSpec &spec)
{
    json j = json::parse(sweepSpecJson(spec));
    for (const char *axis : {"name", "models", "calibration", "budgets", "plans", "backends",
                             "bit_sets", "seeds", "threads"})
        j.erase(axis);
    return j;
}

} // namespace

std::string newUid()
{
    std::random_device rd;
    std::string s;
    char buf[9];
    for (int i = 0; i < 4; ++i) {
        std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(rd()));
        s += buf;
    }
    return s;
}

std::int64_t nowMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

SweepFolder SweepFolder::open(const std::string &dir)
{
    const std::string file = (fs::path(dir) / "sweep.json").string();
    if (!fs::exists(file))
        throw Error(file, "not a sweep folder (no sweep.json); create one with `lieq sweep SPEC`");
    SweepFolder f;
    f.m_dir = fs::absolute(fs::path(dir)).lexically_normal().string();
    try {
        const json j = json::parse(readFile(file));
        if (j.value("format", std::string()) != kFormat)
            throw Error(file, "not a LieQ sweep file (format is not \"lieq.sweep\")");
        if (j.value("version", 0) > kFormatVersion)
            throw Error(file, "sweep file version " + std::to_string(j.value("version", 0)) +
                                  " is newer than this build supports");
        f.m_uid = j.at("uid").get<std::string>();
        f.m_createdMs = j.at("created_ms").get<std::int64_t>();
        f.m_spec = parseSweepSpec(j.at("spec").dump(), file, f.m_dir);
        f.m_spec.sourcePath = j.value("spec_path", std::string());
        for (const auto &c : j.at("cells")) {
            f.m_cells.push_back(cellFromJson(c.dump(), file));
            if (f.m_cells.back().index != static_cast<int>(f.m_cells.size()) - 1)
                throw Error(file, "cell indices are not 0, 1, 2, ... in order");
        }
    } catch (const json::exception &e) {
        throw Error(file, std::string("malformed sweep file: ") + e.what());
    }
    return f;
}

SweepFolder SweepFolder::createOrUpdate(const std::string &dir, const SweepSpec &spec)
{
    const Expansion grid = expandCells(spec);
    if (grid.cells.empty())
        throw Error(spec.sourcePath, "sweep spec gives no runnable cell");
    SweepFolder f;
    if (fs::exists(fs::path(dir) / "sweep.json")) {
        f = open(dir);
        if (sharedSettings(f.m_spec) != sharedSettings(spec))
            throw Error((fs::path(dir) / "sweep.json").string(),
                        "this folder holds a sweep with other evaluation, quantization or "
                        "analysis settings; give another --dir");
    } else {
        std::error_code ec;
        fs::create_directories(fs::path(dir) / "cells", ec);
        if (ec)
            throw Error(dir, "cannot create the sweep folder: " + ec.message());
        f.m_dir = fs::absolute(fs::path(dir)).lexically_normal().string();
        f.m_uid = newUid();
        f.m_createdMs = nowMs();
    }
    std::map<std::string, int> known;
    for (const SweepCell &c : f.m_cells)
        known[c.key] = c.index;
    f.m_added = 0;
    for (SweepCell c : grid.cells) {
        if (known.count(c.key))
            continue;
        c.index = static_cast<int>(f.m_cells.size());
        f.m_cells.push_back(c);
        ++f.m_added;
    }
    f.m_spec = spec;
    f.save();
    return f;
}

void SweepFolder::save() const
{
    json cells = json::array();
    for (const SweepCell &c : m_cells) {
        json cj = json::parse(c.paramsJson());
        cj["index"] = c.index;
        cj["key"] = c.key;
        cells.push_back(cj);
    }
    const json j{{"format", kFormat}, {"version", kFormatVersion}, {"uid", m_uid},
                 {"created_ms", m_createdMs}, {"spec_path", m_spec.sourcePath},
                 {"spec", json::parse(sweepSpecJson(m_spec))}, {"cells", cells}};
    writeFileAtomic((fs::path(m_dir) / "sweep.json").string(), j.dump(2) + "\n");
}

const SweepCell &SweepFolder::cell(int index) const
{
    if (index < 0 || index >= static_cast<int>(m_cells.size()))
        throw Error(m_dir, "sweep has no cell " + std::to_string(index) + " (it has " +
                               std::to_string(m_cells.size()) + ")");
    return m_cells[static_cast<std::size_t>(index)];
}

std::string SweepFolder::cellDir(int index) const
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d", index);
    return (fs::path(m_dir) / "cells" / buf).string();
}

std::string SweepFolder::cellStorePath(int index) const { return cellDir(index) + "/store.sqlite"; }
std::string SweepFolder::cellResultPath(int index) const { return cellDir(index) + "/result.json"; }
std::string SweepFolder::cellLogPath(int index) const { return cellDir(index) + "/log.txt"; }
std::string SweepFolder::slurmDir() const { return (fs::path(m_dir) / "slurm").string(); }

CellStatus SweepFolder::readStatus(int index) const
{
    const std::string file = cellDir(index) + "/status.json";
    if (!fs::exists(file))
        return {};
    return CellStatus::fromJson(readFile(file), file);
}

void SweepFolder::writeStatus(int index, const CellStatus &status) const
{
    std::error_code ec;
    fs::create_directories(cellDir(index), ec);
    writeFileAtomic(cellDir(index) + "/status.json", status.toJson());
}

CellStatus SweepFolder::beginAttempt(int index) const
{
    cell(index);
    std::error_code ec;
    fs::create_directories(cellDir(index), ec);
    if (ec)
        throw Error(cellDir(index), "cannot create the cell folder: " + ec.message());
    // A new attempt starts from an empty store: the old one (failed or interrupted) was either
    // collected already under its own attempt id or is superseded.
    for (const char *name : {"store.sqlite", "store.sqlite-wal", "store.sqlite-shm", "result.json"})
        fs::remove(fs::path(cellDir(index)) / name, ec);
    CellStatus s;
    s.state = CellState::Running;
    s.attempt = m_uid + "-" + std::to_string(index) + "-" + newUid().substr(0, 8);
    s.host = hostName();
    s.pid = ::getpid();
    if (const char *job = std::getenv("SLURM_ARRAY_JOB_ID"))
        if (const char *task = std::getenv("SLURM_ARRAY_TASK_ID"))
            s.slurmJob = std::string(job) + "_" + task;
    s.startedMs = nowMs();
    writeStatus(index, s);
    return s;
}

} // namespace lieq::sweep
