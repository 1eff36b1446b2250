#include "core/sweep/cell_status.h"

#include "core/util/enum_names.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

namespace lieq::sweep {

using nlohmann::json;

namespace {
const EnumNames<CellState, 5> kNames{
    "cell state",
    {{{CellState::Pending, "pending"}, {CellState::Queued, "queued"},
      {CellState::Running, "running"}, {CellState::Done, "done"}, {CellState::Failed, "failed"}}}};
} // namespace

LIEQ_ENUM_NAME_FUNCTIONS(CellState, kNames, cellStateName, cellStateFromName, "unknown")

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
