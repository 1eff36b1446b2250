#include "core/quant/pipeline_job.h"

#include "core/alloc/allocator.h"
#include "core/alloc/plan_json.h"
#include "core/analysis/calibration.h"
#include "core/data/corpus.h"
#include "core/data/token_windows.h"
#include "core/model/model.h"
#include "core/store/experiment_store.h"
#include "core/store/fingerprint.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>

namespace lieq {

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

std::string layerBitsJson(const alloc::BitPlan &plan)
{
    return nlohmann::json(plan.layerBits()).dump();
}

} // namespace

alloc::BitPlan paperPlan(const ModelConfig &config, const std::vector<double> &scores,
                         double budget, bool protectLowest)
{
    alloc::AllocationRequest req;
    req.layers = decoderLayerSpecs(config, scores);
    req.budget = budget;
    req.bitSet = {2, 4};
    req.method = alloc::AllocMethod::Paper;
    req.protectLowest = protectLowest;
    return alloc::allocate(req);
}

QuantizeOutcome runQuantization(const QuantizeRequest &request, const ProgressFn &progress)
{
    const auto t0 = Clock::now();
    QuantizeOutcome out;
    const Tokenizer tokenizer = Tokenizer::fromModelDir(request.modelDir);
    const auto tc = Clock::now();
    const analysis::CalibrationSet calib =
        analysis::sampleCalibration(tokenizer, request.calibration);
    out.calibrationSeconds = since(tc);
    out.model = Model::load(request.modelDir, request.modelOptions);

    std::unique_ptr<store::ExperimentStore> db;
    std::int64_t datasetId = 0;
    if (request.useStore) {
        db = std::make_unique<store::ExperimentStore>(request.storePath);
        out.storePath = db->path();
        out.modelId = db->upsertModel(store::describeModel(request.modelDir));
        const std::string kind =
            request.calibration.field.empty() ? "text" : "jsonl:" + request.calibration.field;
        datasetId = db->upsertDataset(store::describeDataset(request.calibration.path, kind));
        store::Plan p;
        p.modelId = out.modelId;
        p.sourceRunId = request.planSourceRunId;
        p.method = request.plan.method;
        p.budgetBits = request.plan.budget;
        p.name = !request.planName.empty()
                     ? request.planName
                     : request.plan.method + " " + std::to_string(request.plan.budget);
        p.bitsJson = layerBitsJson(request.plan);
        p.nominalBits = request.plan.nominalBits();
        p.settingsJson = alloc::planToJson(request.plan, -1);
        out.planId = db->addPlan(p);
        store::QuantRunSpec spec;
        spec.planId = out.planId;
        spec.datasetId = datasetId;
        spec.method = quantMethodName(request.settings.method);
        spec.settingsJson = runSettingsJson(request);
        spec.seed = static_cast<std::int64_t>(request.calibration.seed);
        out.runId = db->beginQuantRun(spec);
    }

    auto finish = [&](store::RunStatus status, const std::string &error) {
        if (!db)
            return;
        const PipelineResult &r = out.result;
        nlohmann::json timings{{"capture_s", r.captureSeconds},
                               {"quantize_s", r.quantizeSeconds},
                               {"forward_s", r.forwardSeconds},
                               {"pipeline_s", r.totalSeconds},
                               {"calibration_s", out.calibrationSeconds},
                               {"layer_forwards", r.layerForwards},
                               {"calibration_tokens", r.calibrationTokens},
                               {"nominal_bits", r.nominalBits}};
        if (out.ppl)
            timings["eval_ppl_s"] = out.ppl->seconds;
        db->finishQuantRun(out.runId,
                           store::RunOutcome(status, error, timings.dump(), since(t0)),
                           out.saved ? out.saved->dir : std::string(),
                           out.saved ? out.saved->bytes : 0);
    };

    try {
        CalibrationBatch batch{calib.ids, calib.samples, calib.seqlen};
        std::vector<store::ModuleLoss> pending;
        PipelineObserver observer;
        observer.onModule = [&](const ModuleReport &m) {
            if (!db)
                return;
            store::ModuleLoss row;
            row.layer = m.layer;
            row.module = m.module;
            row.bits = m.bits;
            row.loss = m.outputError;
            row.seconds = m.seconds;
            pending.push_back(row);
            if (pending.size() == 7) { // one transaction per finished layer
                db->appendModuleLosses(out.runId, pending);
                pending.clear();
            }
        };
        out.result = quantizeModel(*out.model, request.plan, batch, request.settings, progress,
                                   observer);
        if (!request.outDir.empty())
            out.saved = saveQuantizedCheckpoint(*out.model, request.plan, request.settings,
                                                request.outDir, progress);
        if (!request.evalPplPath.empty()) {
            const Corpus corpus = Corpus::fromFile(request.evalPplPath, request.evalField);
            const std::int64_t seqlen =
                request.evalSeqlen > 0 ? request.evalSeqlen : request.calibration.seqlen;
            const TokenWindows windows = TokenWindows::fromText(
                tokenizer, corpus.joined("\n\n"), seqlen, request.evalMaxWindows);
            out.ppl = evaluatePerplexity(*out.model, windows, {}, progress);
            if (db) {
                store::EvalResult e;
                e.modelId = out.modelId;
                e.quantRunId = out.runId;
                e.datasetId = db->upsertDataset(store::describeDataset(
                    request.evalPplPath, request.evalField.empty() ? "text"
                                                                   : "jsonl:" + request.evalField));
                e.task = std::filesystem::path(request.evalPplPath).stem().string();
                e.metric = "ppl";
                e.value = out.ppl->ppl;
                e.n = out.ppl->windows;
                e.settingsJson = nlohmann::json{{"seqlen", seqlen},
                                                {"max_windows", request.evalMaxWindows},
                                                {"tokens", out.ppl->tokens}}
                                     .dump();
                db->addEvalResults({e});
            }
        }
    } catch (const Cancelled &) {
        finish(store::RunStatus::Cancelled, {});
        throw;
    } catch (const std::exception &e) {
        finish(store::RunStatus::Failed, e.what());
        throw;
    }
    out.totalSeconds = since(t0);
    finish(store::RunStatus::Done, {});
    return out;
}

} // namespace lieq
