#include "core/jobs/quantize_job.h"

#include "core/alloc/plan_json.h"
#include "core/alloc/size_estimate.h"
#include "core/data/corpus.h"
#include "core/io/checkpoint.h"
#include "core/jobs/job_store.h"
#include "core/jobs/loaded_model.h"
#include "core/jobs/model_evaluation.h"
#include "core/model/model.h"
#include "core/quant/pipeline_checkpoint.h"
#include "core/store/experiment_store.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/atomic_folder.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <unistd.h>

namespace lieq::jobs {

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0)
{
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string runSettingsJson(const QuantizeRequest &r)
{
    nlohmann::json j = nlohmann::json::parse(r.settings.json());
    j["calibration"] = {{"path", r.calibration.path}, {"field", r.calibration.field},
                        {"samples", r.calibration.samples}, {"seqlen", r.calibration.seqlen},
                        {"seed", r.calibration.seed}};
    return j.dump();
}

std::string timingsJson(const QuantizeResult &out)
{
    nlohmann::json t = pipelineTimingsJson(out.pipeline);
    t["calibration_s"] = out.calibrationSeconds;
    t["calibration_tokens"] = out.pipeline.calibrationTokens;
    t["nominal_bits"] = out.pipeline.nominalBits;
    if (out.evaluation.report.ppl)
        t["eval_ppl_s"] = out.evaluation.report.ppl->seconds;
    return t.dump();
}

// The plan, then the run "running": both before any work.
void beginStoredRun(store::ExperimentStore &db, const QuantizeRequest &request, QuantizeResult &out)
{
    out.storePath = db.path();
    out.modelId = recordModel(db, request.modelDir);
    const alloc::BitPlan &plan = out.plan.plan;
    store::Plan p;
    p.modelId = out.modelId;
    p.sourceRunId = out.plan.sourceRunId;
    p.method = plan.method;
    p.budgetBits = plan.budget;
    p.name = request.planName.empty() ? out.plan.name : request.planName;
    p.bitsJson = nlohmann::json(plan.layerBits()).dump();
    p.nominalBits = plan.nominalBits();
    p.settingsJson = alloc::planToJson(plan, -1);
    out.planId = db.addPlan(p);
    store::QuantRunSpec spec;
    spec.planId = out.planId;
    spec.datasetId = recordDataset(db, request.calibration.path,
                                   Corpus::kindOf(request.calibration.path, request.calibration.field));
    spec.method = quantMethodName(request.settings.method);
    spec.settingsJson = runSettingsJson(request);
    spec.seed = static_cast<std::int64_t>(request.calibration.seed);
    out.runId = db.beginQuantRun(spec);
}

// Module losses go to the store one finished layer (seven modules) per transaction.
PipelineObserver moduleLossRecorder(store::ExperimentStore *db, std::int64_t runId,
                                    std::vector<store::ModuleLoss> &pending)
{
    PipelineObserver observer;
    if (!db)
        return observer;
    observer.onModule = [db, runId, &pending](const ModuleReport &m) {
        store::ModuleLoss row;
        row.layer = m.layer;
        row.module = std::string(projectionModuleName(m.projection));
        row.bits = m.bits;
        row.loss = m.outputError;
        row.seconds = m.seconds;
        pending.push_back(row);
        if (pending.size() == 7) {
            db->appendModuleLosses(runId, pending);
            pending.clear();
        }
    };
    return observer;
}

// Effective bits and file size: the saved folder's bytes, else the GPTQ-layout estimate.
void fillSizes(const QuantizeRequest &request, QuantizeResult &out)
{
    const alloc::BitPlan &plan = out.plan.plan;
    const Checkpoint source(request.modelDir);
    const std::int64_t otherParams = std::max<std::int64_t>(
        0, static_cast<std::int64_t>(source.parameterCount()) - plan.totalParams());
    alloc::GptqOptions g;
    g.groupSize = request.settings.groupSize;
    g.symmetric = request.settings.symmetric;
    const alloc::SizeEstimate est = alloc::estimateGptq(plan, g, otherParams);
    out.effectiveBits = est.effectiveBits;
    out.sizeEstimated = out.outputDir.empty();
    out.sizeBytes = out.sizeEstimated ? static_cast<std::int64_t>(est.totalBytes) : out.outputBytes;
}

} // namespace

nlohmann::json pipelineTimingsJson(const PipelineResult &r)
{
    return {{"capture_s", r.captureSeconds},
            {"quantize_s", r.quantizeSeconds},
            {"forward_s", r.forwardSeconds},
            {"pipeline_s", r.totalSeconds},
            {"layer_forwards", r.layerForwards}};
}

QuantizeResult runQuantize(const QuantizeRequest &request, const JobContext &context)
{
    const auto t0 = Clock::now();
    context.applyThreads();
    QuantizeResult out;
    const std::vector<TaskData> tasks = loadTasks(request.evaluation); // fail before compute
    out.plan = choosePlan(request.plan, request.modelDir, context);
    if (out.plan.plan.units.empty())
        throw Error(request.modelDir, "the bit plan covers no layer");
    context.report("preparing", 0, 1, "tokenizing the calibration data");
    const Tokenizer tokenizer = Tokenizer::fromModelDir(request.modelDir);
    const auto tc = Clock::now();
    const CalibrationSet calibration = sampleCalibration(tokenizer, request.calibration);
    out.calibrationSeconds = since(tc);
    std::unique_ptr<Model> model = loadModel(request.modelDir, context);

    std::unique_ptr<store::ExperimentStore> db = openStore(context);
    if (db)
        beginStoredRun(*db, request, out);
    std::vector<store::ModuleLoss> pending;
    auto work = [&] {
        out.pipeline = quantizeModel(*model, out.plan.plan, calibration, request.settings,
                                     context.progress, moduleLossRecorder(db.get(), out.runId, pending));
        if (!request.evaluation.empty())
            out.evaluation.report = evaluateLoadedModel(*model, tokenizer, request.modelDir, tasks,
                                                        request.evaluation, context);
        out.evaluation.klReferenceDir = klReferenceDir(request.evaluation, request.modelDir);
        if (!out.evaluation.klReferenceDir.empty())
            out.evaluation.kl = measureKl(*model, tokenizer, out.evaluation.klReferenceDir,
                                          request.evaluation, context);
        out.evaluation.modelDir = request.outDir.empty() ? request.modelDir : request.outDir;
        out.evaluation.quantized = true;
        if (!request.outDir.empty()) {
            const SavedCheckpoint saved = saveQuantizedCheckpoint(
                *model, out.plan.plan, request.settings, request.outDir, context.progress,
                [&](const std::string &dir, FolderStep step) {
                    if (db)
                        db->setPendingOutput(out.runId, dir, step == FolderStep::Placing);
                });
            out.outputDir = saved.dir;
            out.outputBytes = saved.bytes;
        }
        // After the last cancel point: a cancelled run leaves no evaluation rows.
        if (db && !request.evaluation.empty()) {
            out.evaluation.modelId = out.modelId;
            out.evaluation.quantRunId = out.runId;
            db->addEvalResults(evaluationRows(*db, out.evaluation.report, request.evaluation,
                                              out.modelId, out.runId));
            if (out.evaluation.kl)
                recordKlStatistics(*db, *out.evaluation.kl, out.evaluation.modelDir, out.runId,
                                   out.evaluation.klReferenceDir, request.evaluation);
            if (request.matchStoredBaseline)
                out.evaluation.storedBaseline =
                    matchingStoredBaseline(*db, out.modelId, request.evaluation);
        }
        fillSizes(request, out);
        out.totalSeconds = since(t0);
    };
    if (!db) {
        work();
        return out;
    }
    recordOutcome(work, [&](store::RunStatus status, std::string error) {
        const bool done = status == store::RunStatus::Done;
        // A run that fails after its checkpoint folder was put in place (storing its evaluation
        // rows, say) does not leave it under its final name either, as a killed run does not.
        if (!done && !out.outputDir.empty())
            error += store::setAsideRunOutput(out.outputDir, out.runId, static_cast<long>(::getpid()));
        db->finishQuantRun(out.runId, store::RunOutcome(status, error, timingsJson(out), since(t0)),
                           done ? out.outputDir : std::string(), done ? out.outputBytes : 0);
    });
    return out;
}

} // namespace lieq::jobs
