#include "core/jobs/sweep_job.h"

#include "core/alloc/allocator.h"
#include "core/alloc/baseline_plans.h"
#include "core/jobs/job_store.h"
#include "core/jobs/plan_job.h"
#include "core/jobs/quantize_job.h"
#include "core/store/experiment_store.h"
#include "core/store/store_merge.h"
#include "core/store/sweep_records.h"
#include "core/sweep/cell_result.h"
#include "core/sweep/sweep_folder.h"
#include "core/sweep/sweep_status.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>

namespace lieq::jobs {

namespace fs = std::filesystem;
using sweep::CellState;
using sweep::PlanChoice;

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0)
{
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

CalibrationSpec calibrationOf(const sweep::SweepCell &cell)
{
    CalibrationSpec c;
    c.path = cell.calibration.path;
    c.field = cell.calibration.field;
    c.samples = cell.calibration.samples;
    c.seqlen = cell.calibration.seqlen;
    c.seed = static_cast<std::uint64_t>(cell.seed);
    return c;
}

// The analysis a ranked plan needs: only the metric it ranks by.
ScoreSource scoreSourceOf(const sweep::SweepCell &cell, const sweep::SweepSpec &spec)
{
    ScoreSource s;
    s.metric = cell.plan.metric;
    s.analysis.calibration = calibrationOf(cell);
    if (spec.analysisSamples > 0)
        s.analysis.calibration.samples = spec.analysisSamples;
    if (spec.analysisSeqlen > 0)
        s.analysis.calibration.seqlen = spec.analysisSeqlen;
    s.analysis.settings.setMetrics(cell.plan.metric == "dppl" ? "dppl"
                                   : cell.plan.metric == "dE" ? "energy"
                                                              : "compact");
    s.analysis.settings.initSeed = static_cast<std::uint64_t>(cell.seed);
    return s;
}

alloc::AllocationRequest allocationOf(const sweep::SweepCell &cell, std::vector<alloc::LayerSpec> layers)
{
    alloc::AllocationRequest r;
    r.budget = cell.budget->bitsFor(static_cast<std::int64_t>(layers.size()));
    r.layers = std::move(layers);
    r.bitSet = cell.bitSet;
    r.method = cell.plan.allocator.empty() ? alloc::defaultMethod(cell.bitSet)
                                           : alloc::methodFromName(cell.plan.allocator);
    r.protectLowest = cell.plan.inverted;
    return r;
}

// The cell's plan as a quantize request takes it; analysisRun is set for ranked plans.
PlanRequest planOf(const sweep::SweepCell &cell, const sweep::SweepSpec &spec,
                   const JobContext &context, std::int64_t &analysisRun, double &analysisSeconds)
{
    PlanRequest p;
    switch (cell.plan.kind) {
    case PlanChoice::Kind::Uniform:
        p.kind = PlanRequest::Kind::Uniform;
        p.uniformBits = cell.plan.uniformBits;
        return p;
    case PlanChoice::Kind::Scored: {
        const auto t0 = Clock::now();
        const ScoredLayers scored = scoreLayers(scoreSourceOf(cell, spec), cell.model, context);
        analysisSeconds = since(t0);
        p.kind = PlanRequest::Kind::Given;
        p.plan = alloc::allocate(allocationOf(cell, scored.layers));
        p.sourceRunId = scored.analysisRunId;
        analysisRun = scored.analysisRunId.value_or(0);
        return p;
    }
    case PlanChoice::Kind::Rule:
        p.kind = PlanRequest::Kind::Given;
        p.plan = alloc::baselinePlan(allocationOf(cell, modelLayers(cell.model).layers),
                                     alloc::baselineRuleFromName(cell.plan.rule),
                                     static_cast<std::uint64_t>(cell.seed));
        return p;
    }
    return p;
}

EvaluationSpec evaluationOf(const sweep::SweepCell &cell, const sweep::SweepSpec &spec)
{
    const sweep::EvaluationSpec &e = spec.evaluation;
    EvaluationSpec out;
    out.pplData = e.pplPath;
    out.pplField = e.field;
    out.seqlen = e.seqlen > 0 ? e.seqlen : cell.calibration.seqlen;
    out.maxWindows = e.maxWindows;
    out.tasks = e.tasks;
    out.taskDataDir = e.dataDir.empty() ? defaultTaskDataDir() : e.dataDir;
    out.zeroShot.limit = e.limit;
    // KL against the model the cell quantized (its FP16 folder), on the perplexity windows.
    if (e.kl && !e.pplPath.empty())
        out.klReference = "base";
    return out;
}

sweep::CellResult resultOf(const sweep::SweepCell &cell, const QuantizeResult &q)
{
    sweep::CellResult r;
    r.cell = cell.index;
    const alloc::BitPlan &plan = q.plan.plan;
    if (cell.budget)
        r.budgetBits = plan.budget;
    r.nominalBits = plan.nominalBits();
    r.effectiveBits = q.effectiveBits;
    r.layerBits = plan.layerBits();
    const EvaluateResult &e = q.evaluation;
    if (e.report.ppl) {
        r.ppl = e.report.ppl->ppl;
        r.windows = e.report.ppl->windows;
    }
    if (e.kl) {
        r.kl = e.kl->klMean.value;
        r.top1 = e.kl->top1Agreement.value;
        r.pplReference = e.kl->pplReference.value;
    }
    for (const TaskResult &t : e.report.tasks) {
        r.acc[t.task] = t.acc;
        if (t.hasAccNorm)
            r.accNorm[t.task] = t.accNorm;
    }
    r.quantRunId = q.runId;
    r.seconds["quantize"] = q.pipeline.totalSeconds;
    double evaluate = e.report.ppl ? e.report.ppl->seconds : 0.0;
    for (const TaskResult &t : e.report.tasks)
        evaluate += t.seconds;
    r.seconds["evaluate"] = evaluate;
    r.seconds["total"] = q.totalSeconds;
    return r;
}

} // namespace

sweep::CellStatus runSweepCell(const std::string &sweepDir, int index, const JobContext &context)
{
    const sweep::SweepFolder folder = sweep::SweepFolder::open(sweepDir);
    const sweep::SweepCell &cell = folder.cell(index);
    sweep::CellStatus status = folder.beginAttempt(index);
    const auto t0 = Clock::now();
    JobContext ctx = context;
    ctx.store.enabled = true;
    ctx.store.path = folder.cellStorePath(index);
    try {
        if (!fs::exists(fs::path(cell.model) / "config.json"))
            throw Error(cell.model, "not a model folder (no config.json)");
        std::int64_t analysisRun = 0;
        double analysisSeconds = 0;
        QuantizeRequest q;
        q.modelDir = cell.model;
        q.plan = planOf(cell, folder.spec(), ctx, analysisRun, analysisSeconds);
        q.planName = cell.label();
        q.calibration = calibrationOf(cell);
        q.settings.method = quantMethodFromName(cell.backend);
        q.settings.groupSize = folder.spec().quantization.groupSize;
        q.settings.symmetric = folder.spec().quantization.symmetric;
        q.settings.actOrder = folder.spec().quantization.actOrder;
        q.settings.dampPercent = folder.spec().quantization.damp;
        q.evaluation = evaluationOf(cell, folder.spec());
        const QuantizeResult done = runQuantize(q, ctx);
        sweep::CellResult result = resultOf(cell, done);
        result.analysisRunId = analysisRun;
        if (analysisRun > 0)
            result.seconds["analysis"] = analysisSeconds;
        result.wallSeconds = since(t0);
        writeFileAtomic(folder.cellResultPath(index), result.toJson());
        status.state = CellState::Done;
    } catch (const Cancelled &) {
        status.state = CellState::Failed;
        status.error = "cancelled";
    } catch (const std::exception &e) {
        status.state = CellState::Failed;
        status.error = e.what();
    }
    status.finishedMs = sweep::nowMs();
    status.wallSeconds = since(t0);
    folder.writeStatus(index, status);
    return status;
}

CollectReport collectSweep(const sweep::SweepFolder &folder, const sweep::SweepReport &status,
                           const JobContext &context)
{
    const auto db = openStore(context);
    if (!db)
        throw Error("sweep collect: the context records nothing (no store)");
    CollectReport report;
    store::SweepRecord rec;
    rec.uid = folder.uid();
    rec.name = folder.spec().name;
    rec.folder = folder.dir();
    rec.specJson = sweep::sweepSpecJson(folder.spec());
    report.sweepId = store::upsertSweep(*db, rec);
    std::vector<store::SweepCellRecord> cells;
    for (const sweep::CellReport &c : status.cells) {
        context.report("collect", c.index, static_cast<std::int64_t>(status.cells.size()), c.label);
        store::SweepCellRecord cr;
        cr.sweepId = report.sweepId;
        cr.cellIndex = c.index;
        cr.label = c.label;
        cr.paramsJson = folder.cell(c.index).paramsJson();
        cr.status = sweep::cellStateName(c.state);
        cr.errorText = c.state == CellState::Done ? std::string() : c.detail;
        if (c.status.wallSeconds > 0)
            cr.wallSeconds = c.status.wallSeconds;
        const bool finished = c.state == CellState::Done || c.state == CellState::Failed;
        if (!finished) {
            ++report.cellsWaiting;
        } else if (!c.status.attempt.empty() && fs::exists(folder.cellStorePath(c.index))) {
            try {
                const store::MergeReport m =
                    store::mergeStore(*db, folder.cellStorePath(c.index), c.status.attempt);
                report.rowsAdded += m.total();
                ++report.cellsMerged;
                if (c.result && c.result->quantRunId > 0)
                    cr.quantRunId = store::mergedRowId(*db, c.status.attempt, "quant_runs",
                                                       c.result->quantRunId);
            } catch (const Error &e) {
                report.problems.push_back("cell " + std::to_string(c.index) + ": " + e.what());
            }
        }
        cells.push_back(std::move(cr));
    }
    store::upsertSweepCells(*db, cells);
    return report;
}

namespace {

// Reading needs no write access and creates nothing: a missing store file has no sweeps.
std::unique_ptr<store::ExperimentStore> openForReading(const JobContext &context)
{
    const std::string path = context.storeFile(); // read even where recording is off
    if (path.empty() || !fs::exists(path))
        return nullptr;
    return std::make_unique<store::ExperimentStore>(path, store::ExperimentStore::Access::ReadOnly);
}

} // namespace

std::vector<store::SweepRecord> listSweeps(const JobContext &context)
{
    const auto db = openForReading(context);
    return db ? store::listSweeps(*db) : std::vector<store::SweepRecord>{};
}

std::map<std::int64_t, store::SweepMembership> sweepMemberships(const JobContext &context)
{
    const auto db = openForReading(context);
    return db ? store::sweepMemberships(*db) : std::map<std::int64_t, store::SweepMembership>{};
}

SweepRunPage listRunsInSweep(const JobContext &context, store::RunFilter filter,
                             std::optional<std::int64_t> sweepId)
{
    SweepRunPage out;
    const auto db = openForReading(context);
    if (!db)
        return out;
    const auto members = store::sweepMemberships(*db);
    const auto isMember = [&](const store::RunSummary &r) {
        if (r.kind != store::RunKind::Quant)
            return false;
        const auto it = members.find(r.id);
        return it != members.end() && (!sweepId || it->second.sweepId == *sweepId);
    };
    if (!sweepId) {
        out.page = db->listRuns(filter);
    } else {
        // The store filters by model, backend and status; membership is applied here, so the
        // page is cut after it.
        const int limit = filter.limit, offset = std::max(0, filter.offset);
        filter.kind = store::RunKind::Quant;
        filter.limit = 0;
        filter.offset = 0;
        for (store::RunSummary &r : db->listRuns(filter).runs)
            if (isMember(r))
                out.page.runs.push_back(std::move(r));
        out.page.total = static_cast<std::int64_t>(out.page.runs.size());
        auto &runs = out.page.runs;
        runs.erase(runs.begin(), runs.begin() + std::min<std::ptrdiff_t>(offset, std::ssize(runs)));
        if (limit > 0 && std::ssize(runs) > limit)
            runs.resize(static_cast<std::size_t>(limit));
    }
    for (const store::RunSummary &r : out.page.runs)
        if (isMember(r))
            out.memberships.emplace(r.id, members.at(r.id));
    return out;
}

SweepView loadSweep(const JobContext &context, std::int64_t sweepId)
{
    const auto db = openForReading(context);
    SweepView view;
    bool found = false;
    if (db)
        for (const store::SweepRecord &s : store::listSweeps(*db))
            if (s.id == sweepId) {
                view.sweep = s;
                found = true;
            }
    if (!found)
        throw Error(context.storeFile(), "no sweep with id " + std::to_string(sweepId));
    for (const store::SweepCellRecord &c : store::sweepCells(*db, sweepId)) {
        const nlohmann::json params = nlohmann::json::parse(c.paramsJson, nullptr, false);
        const auto param = [&params](const char *key) {
            return params.is_object() ? params.value(key, std::string()) : std::string();
        };
        SweepPoint p{.cell = c.cellIndex,
                     .label = c.label,
                     .plan = param("plan"),
                     .backend = param("backend"),
                     .status = c.status,
                     .error = c.errorText,
                     .quantRunId = c.quantRunId,
                     .nominalBits = store::kNoValue, // from the run, below
                     .ppl = store::kNoValue,
                     .kl = store::kNoValue};
        if (c.quantRunId) {
            if (const auto run = db->loadQuantRun(*c.quantRunId))
                p.nominalBits = run->plan.nominalBits;
            store::EvalFilter byRun;
            byRun.quantRunId = c.quantRunId;
            for (const store::EvalResult &e : db->evalResults(byRun))
                if (e.metric == "ppl")
                    p.ppl = e.value;
            store::KlStatsFilter kl;
            kl.quantRunId = c.quantRunId;
            if (const auto rows = db->klStats(kl); !rows.empty())
                p.kl = rows.front().klMean;
        }
        view.points.push_back(std::move(p));
    }
    return view;
}

} // namespace lieq::jobs
