#include "core/sweep/cell_status.h"

#include "core/util/error.h"

#include <nlohmann/json.hpp>

namespace lieq::sweep {

using nlohmann::json;

namespace {
constexpr struct
{
    CellState state;
    const char *name;
} kNames[] = {{CellState::Pending, "pending"}, {CellState::Queued, "queued"},
              {CellState::Running, "running"}, {CellState::Done, "done"},
              {CellState::Failed, "failed"}};
} // namespace

std::string cellStateName(CellState s)
{
    for (const auto &n : kNames)
        if (n.state == s)
            return n.name;
    return "unknown";
}

CellState cellStateFromName(const std::string &name)
{
    for (const auto &n : kNames)
        if (name == n.name)
            return n.state;
    throw Error("unknown cell state \"" + name + "\"");
}

std::string CellStatus::toJson() const
{
    json j{{"state", cellStateName(state)}, {"attempt", attempt}, {"host", host}, {"pid", pid},
           {"started_ms", startedMs}, {"finished_ms", finishedMs}, {"wall_s", wallSeconds}};
    if (!slurmJob.empty())
        j["slurm_job"] = slurmJob;
    if (!error.empty())
        j["error"] = error;
    return j.dump(2) + "\n";
}

CellStatus CellStatus::fromJson(const std::string &text, const std::string &source)
{
    CellStatus s;
    try {
        const json j = json::parse(text);
        s.state = cellStateFromName(j.at("state").get<std::string>());
        s.attempt = j.value("attempt", std::string());
        s.host = j.value("host", std::string());
        s.pid = j.value("pid", std::int64_t(0));
        s.slurmJob = j.value("slurm_job", std::string());
        s.startedMs = j.value("started_ms", std::int64_t(0));
        s.finishedMs = j.value("finished_ms", std::int64_t(0));
        s.wallSeconds = j.value("wall_s", 0.0);
        s.error = j.value("error", std::string());
    } catch (const json::exception &e) {
        throw Error(source, std::string("cell status: ") + e.what());
    } catch (const Error &e) {
        throw Error(source, std::string("cell status: ") + e.what());
    }
    return s;
}

} // namespace lieq::sweep
