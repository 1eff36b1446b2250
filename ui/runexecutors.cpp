#include "ui/runexecutors.h"

#include "core/alloc/size_estimate.h"
#include "core/data/corpus.h"
#include "core/data/token_windows.h"
#include "core/eval/perplexity.h"
#include "core/io/checkpoint.h"
#include "core/model/model.h"
#include "core/quant/pipeline_job.h"
#include "core/store/experiment_store.h"
#include "core/store/fingerprint.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"
#include "ui/runevaluation.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>

namespace lieq::ui {

namespace {
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::unique_ptr<lieq::store::ExperimentStore> openStore(const RunRequest &r)
{
    if (r.storePath.isEmpty())
        return {};
    return std::make_unique<lieq::store::ExperimentStore>(r.storePath.toStdString());
}

lieq::ModelOptions modelOptions(const RunRequest &r)
{
    lieq::ModelOptions mo;
    mo.device = r.device.isEmpty() ? std::string("cpu") : r.device.toStdString();
    return mo;
}

std::string formatBits(double bits)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", bits);
    return buf;
}
} // namespace

RunResult evaluateUnquantized(const RunRequest &request, const lieq::ProgressFn &progress)
{
    const auto t0 = Clock::now();
    lieq::setComputeThreads(request.threads); // this worker thread's torch pool
    const std::string dir = request.modelPath.toStdString();
    if (request.evaluationData.isEmpty())
        throw lieq::Error("no evaluation data chosen (Settings > Evaluation data)");
    const std::vector<lieq::TaskData> tasks = loadRunTasks(request);
    auto db = openStore(request);
    lieq::reportProgress(progress, {"loading model", 0, 1, dir});
    auto model = lieq::Model::load(dir, modelOptions(request));
    const auto tokenizer = lieq::Tokenizer::fromModelDir(dir);
    lieq::reportProgress(progress, {"tokenizing", 0, 1, {}});
    const auto corpus = lieq::Corpus::fromFile(request.evaluationData.toStdString());
    const auto windows = lieq::TokenWindows::fromText(tokenizer, corpus.joined(), request.seqlen,
                                                      request.maxEvalWindows);
    if (windows.count == 0)
        throw lieq::Error(corpus.path(), "too short for one window of " + std::to_string(request.seqlen) + " tokens");
    const lieq::PerplexityResult ppl = lieq::evaluatePerplexity(*model, windows, {}, progress);

    RunResult r;
    r.ppl = ppl.ppl;
    r.nominalBits = 16;
    r.effectiveBits = 16;
    const lieq::Checkpoint ck(dir);
    r.sizeBytes = std::int64_t(ck.parameterCount()) * 2; // as an FP16 export would store it
    std::int64_t datasetId = 0;
    if (db) {
        r.storeModelId = db->upsertModel(lieq::store::describeModel(dir));
        datasetId = db->upsertDataset(lieq::store::describeDataset(request.evaluationData.toStdString(), "text"));
    }
    std::vector<lieq::store::EvalResult> rows =
        scoreRunTasks(*model, tokenizer, tasks, request, r, db.get(), r.storeModelId, std::nullopt, progress);
    if (db) {
        // The perplexity row as runQuantization writes it for quantized runs, so the two compare.
        lieq::store::EvalResult e;
        e.modelId = r.storeModelId;
        e.datasetId = datasetId;
        e.task = std::filesystem::path(request.evaluationData.toStdString()).stem().string();
        e.metric = "ppl";
        e.value = ppl.ppl;
        e.n = ppl.windows;
        e.settingsJson = pplSettingsJson(request.seqlen, request.maxEvalWindows, ppl.tokens);
        rows.insert(rows.begin(), e);
        db->addEvalResults(rows); // everything at once, after the last cancel point
    }
    r.seconds = since(t0);
    return r;
}

RunResult quantizeAndEvaluate(const RunRequest &request, const lieq::ProgressFn &progress)
{
    const auto t0 = Clock::now();
    lieq::setComputeThreads(request.threads);
    const std::string dir = request.modelPath.toStdString();
    if (request.calibrationData.isEmpty())
        throw lieq::Error("no calibration data chosen (Settings > Calibration data)");
    if (request.plan.units.empty())
        throw lieq::Error("no bit plan: choose a budget in the Budget view first");
    const std::vector<lieq::TaskData> tasks = loadRunTasks(request);
    lieq::reportProgress(progress, {"preparing", 0, 1, "tokenizing the calibration data"});

    lieq::QuantizeRequest q;
    q.modelDir = dir;
    q.plan = request.plan;
    q.planName = "workbench " + request.plan.method + " " + formatBits(request.plan.nominalBits());
    q.calibration.path = request.calibrationData.toStdString();
    q.calibration.samples = request.calibrationSamples;
    q.calibration.seqlen = request.seqlen;
    q.settings.method = lieq::quantMethodFromName(request.backend);
    q.settings.groupSize = request.groupSize <= 0 ? -1 : request.groupSize;
    q.settings.symmetric = request.symmetric;
    q.settings.actOrder = request.actOrder;
    q.outDir = request.outputDir.toStdString();
    q.useStore = !request.storePath.isEmpty();
    q.storePath = request.storePath.toStdString();
    q.modelOptions = modelOptions(request);
    q.evalPplPath = request.evaluationData.toStdString();
    q.evalSeqlen = request.seqlen;
    q.evalMaxWindows = request.maxEvalWindows;
    lieq::QuantizeOutcome out = lieq::runQuantization(q, progress);

    RunResult r;
    if (out.ppl)
        r.ppl = out.ppl->ppl;
    r.nominalBits = out.result.nominalBits;
    r.layerBits = request.plan.layerBits();
    const lieq::Checkpoint ck(dir);
    const std::int64_t otherParams = std::int64_t(ck.parameterCount()) - request.plan.totalParams();
    lieq::alloc::GptqOptions g;
    g.groupSize = q.settings.groupSize;
    g.symmetric = q.settings.symmetric;
    const lieq::alloc::SizeEstimate est = lieq::alloc::estimateGptq(request.plan, g, std::max<std::int64_t>(0, otherParams));
    r.effectiveBits = est.effectiveBits;
    if (out.saved) {
        r.sizeBytes = out.saved->bytes;
        r.outputDir = QString::fromStdString(out.saved->dir);
    } else {
        r.sizeBytes = std::int64_t(est.totalBytes);
        r.sizeEstimated = true;
    }
    r.storeRunId = out.runId;
    r.storeModelId = out.modelId;

    std::unique_ptr<lieq::store::ExperimentStore> db;
    if (out.runId > 0)
        db = std::make_unique<lieq::store::ExperimentStore>(out.storePath);
    if (!tasks.empty()) {
        const auto tokenizer = lieq::Tokenizer::fromModelDir(dir);
        const auto rows = scoreRunTasks(*out.model, tokenizer, tasks, request, r, db.get(), out.modelId,
                                        out.runId > 0 ? std::optional<std::int64_t>(out.runId) : std::nullopt,
                                        progress);
        if (db && !rows.empty())
            db->addEvalResults(rows);
    }
    if (db && !request.evaluationData.isEmpty()) {
        const std::int64_t evalData =
            db->upsertDataset(lieq::store::describeDataset(request.evaluationData.toStdString(), "text"));
        attachStoredBaseline(*db, out.modelId, evalData, request, r);
    }
    r.seconds = since(t0);
    return r;
}

} // namespace lieq::ui
