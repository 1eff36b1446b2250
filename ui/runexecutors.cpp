#include "ui/runexecutors.h"

#include "core/jobs/evaluate_job.h"
#include "core/jobs/quantize_job.h"
#include "core/util/error.h"
#include "ui/jobrunner.h"

#include <algorithm>
#include <cmath>

namespace lieq::ui {

namespace {

jobs::JobContext contextFor(const RunRequest &r, const lieq::ProgressFn &progress)
{
    jobs::JobContext c = jobContext(r.storePath, r.device, r.threads);
    c.progress = progress;
    return c;
}

jobs::EvaluationSpec evaluationFor(const RunRequest &r)
{
    if (!r.tasks.empty() && r.taskDataDir.isEmpty())
        throw lieq::Error("zero-shot tasks need the task data folder (Settings > Task data folder)");
    jobs::EvaluationSpec spec;
    spec.pplData = r.evaluationData.toStdString();
    spec.seqlen = r.seqlen;
    spec.maxWindows = r.maxEvalWindows;
    spec.tasks = r.tasks;
    spec.taskDataDir = r.taskDataDir.toStdString();
    spec.zeroShot.limit = r.taskLimit > 0 ? r.taskLimit : -1;
    return spec;
}

// Perplexity, task accuracies and the stored FP16 baseline of an evaluation.
void fillEvaluation(const jobs::EvaluateResult &e, RunResult &r)
{
    if (e.report.ppl)
        r.ppl = e.report.ppl->ppl;
    r.taskItems = 0;
    for (const TaskResult &t : e.report.tasks) {
        r.taskAccuracy[t.task] = t.acc;
        if (t.hasAccNorm && std::isfinite(t.accNorm))
            r.taskAccuracyNorm[t.task] = t.accNorm;
        r.taskItems = r.taskItems == 0 ? int(t.n) : std::min(r.taskItems, int(t.n));
    }
    if (e.storedBaseline) {
        if (e.storedBaseline->ppl)
            r.baselinePpl = *e.storedBaseline->ppl;
        r.baselineAccuracy = e.storedBaseline->acc;
    }
}

} // namespace

RunResult evaluateUnquantized(const RunRequest &request, const lieq::ProgressFn &progress)
{
    if (request.evaluationData.isEmpty())
        throw lieq::Error("no evaluation data chosen (Settings > Evaluation data)");
    jobs::EvaluateRequest e;
    e.target = request.modelPath.toStdString();
    e.spec = evaluationFor(request);
    const jobs::EvaluateResult out = jobs::runEvaluate(e, contextFor(request, progress));
    RunResult r;
    fillEvaluation(out, r);
    r.nominalBits = 16;
    r.effectiveBits = 16;
    r.sizeBytes = out.parameterCount * 2; // as an FP16 export would store it
    r.storeModelId = out.modelId;
    r.seconds = out.seconds;
    return r;
}

RunResult quantizeAndEvaluate(const RunRequest &request, const lieq::ProgressFn &progress)
{
    if (request.calibrationData.isEmpty())
        throw lieq::Error("no calibration data chosen (Settings > Calibration data)");
    if (request.plan.units.empty())
        throw lieq::Error("no bit plan: choose a budget in the Budget view first");
    jobs::QuantizeRequest q;
    q.modelDir = request.modelPath.toStdString();
    q.plan.kind = jobs::PlanRequest::Kind::Given;
    q.plan.plan = request.plan;
    q.calibration.path = request.calibrationData.toStdString();
    q.calibration.samples = request.calibrationSamples;
    q.calibration.seqlen = request.seqlen;
    q.settings.method = lieq::quantMethodFromName(request.backend);
    q.settings.groupSize = request.groupSize <= 0 ? -1 : request.groupSize;
    q.settings.symmetric = request.symmetric;
    q.settings.actOrder = request.actOrder;
    q.outDir = request.outputDir.toStdString();
    q.evaluation = evaluationFor(request);
    // Damage measured against the FP16 model on the same windows (stored with the run).
    if (!q.evaluation.pplData.empty())
        q.evaluation.klReference = "base";
    q.matchStoredBaseline = true;
    const jobs::QuantizeResult out = jobs::runQuantize(q, contextFor(request, progress));

    RunResult r = quantizeRunResult(out);
    r.layerBits = request.plan.layerBits();
    return r;
}

RunResult quantizeRunResult(const jobs::QuantizeResult &out)
{
    RunResult r;
    fillEvaluation(out.evaluation, r);
    r.nominalBits = out.pipeline.nominalBits;
    r.effectiveBits = out.effectiveBits;
    r.sizeBytes = out.sizeBytes;
    r.sizeEstimated = out.sizeEstimated;
    r.outputDir = QString::fromStdString(out.outputDir);
    r.kl = out.evaluation.kl;
    r.storeRunId = out.runId;
    r.storeModelId = out.modelId;
    r.seconds = out.totalSeconds;
    return r;
}

} // namespace lieq::ui
