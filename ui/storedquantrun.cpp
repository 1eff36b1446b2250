#include "ui/storedquantrun.h"

#include "core/jobs/kl_job.h"
#include "ui/runexecutors.h"

namespace lieq::ui {

StoredQuantRun StoredQuantRun::load(const QString &storePath, std::int64_t quantRunId)
{
    jobs::JobContext context;
    context.store.path = storePath.toStdString();
    StoredQuantRun out;
    out.stored = jobs::loadQuantRun(context, quantRunId);
    const jobs::QuantizeRequest &s = out.stored.request;
    const jobs::QuantizeResult &res = out.stored.result;

    RunRequest &q = out.request;
    q.kind = RunRequest::Kind::Quantize;
    q.modelPath = QString::fromStdString(out.stored.modelDir);
    q.backend = quantMethodName(s.settings.method);
    q.plan = s.plan.plan;
    q.groupSize = s.settings.groupSize;
    q.symmetric = s.settings.symmetric;
    q.actOrder = s.settings.actOrder;
    q.calibrationSamples = int(s.calibration.samples);
    q.seqlen = int(s.calibration.seqlen);
    q.calibrationData = QString::fromStdString(s.calibration.path);
    q.storePath = storePath;
    const jobs::EvaluationSpec &e = s.evaluation;
    if (!e.pplData.empty()) {
        q.evaluationData = QString::fromStdString(e.pplData);
        q.seqlen = int(e.seqlen);
        q.maxEvalWindows = int(e.maxWindows);
    }
    q.tasks = e.tasks;
    q.taskLimit = e.zeroShot.limit > 0 ? int(e.zeroShot.limit) : 0;
    q.taskDataDir = QString::fromStdString(e.taskDataDir);

    RunResult &r = out.result;
    r = quantizeRunResult(res);
    r.layerBits = out.stored.layerBits;
    // KL statistics stored with the run: the newest measured on its perplexity text.
    for (const jobs::StoredKl &k : jobs::listKl(context, quantRunId))
        if (k.setting.data == e.pplData || e.pplData.empty()) {
            r.kl = k.stats;
            break;
        }
    return out;
}

} // namespace lieq::ui
