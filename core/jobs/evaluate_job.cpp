#include "core/jobs/evaluate_job.h"

#include "core/io/checkpoint.h"
#include "core/jobs/job_store.h"
#include "core/jobs/loaded_model.h"
#include "core/jobs/model_evaluation.h"
#include "core/jobs/model_job.h"
#include "core/model/model.h"
#include "core/store/experiment_store.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"

#include <chrono>
#include <filesystem>

namespace lieq::jobs {

namespace {

// The newest stored rows per (task, metric) of a model: its unquantized results (quantRunId
// nullopt) or those of one quantization run.
EvalBaseline storedRows(store::ExperimentStore &st, std::int64_t modelId,
                        std::optional<std::int64_t> quantRunId)
{
    store::EvalFilter f;
    f.modelId = modelId;
    f.quantRunId = quantRunId;
    f.baselineOnly = !quantRunId;
    EvalBaseline b;
    b.source = "store " + st.path() +
               (quantRunId ? ": quant run " + std::to_string(*quantRunId) : ": unquantized model");
    for (const store::EvalResult &r : st.evalResults(f)) { // oldest first: newer rows win
        if (r.metric == "acc")
            b.acc[r.task] = r.value;
        else if (r.metric == "acc_norm")
            b.accNorm[r.task] = r.value;
        else if (r.metric == "ppl")
            b.ppl = r.value;
    }
    if (b.acc.empty() && !b.ppl)
        throw Error(st.path(), "no stored evaluation results for model " + std::to_string(modelId) +
                                   (quantRunId ? ", quant run " + std::to_string(*quantRunId) : ""));
    return b;
}

// A baseline named by the request: a JSON file, "base"/"fp16", or a quant run id.
EvalBaseline resolveBaseline(const std::string &spec, store::ExperimentStore *st, std::int64_t modelId)
{
    if (std::filesystem::is_regular_file(spec))
        return baselineFromJsonFile(spec);
    if (!st)
        throw Error("baseline " + spec + " is not a file; naming stored results (base, or a quant "
                    "run id) needs a store");
    if (spec == "base" || spec == "fp16")
        return storedRows(*st, modelId, std::nullopt);
    std::size_t used = 0;
    long long id = -1;
    try {
        id = std::stoll(spec, &used);
    } catch (const std::exception &) {
        used = 0;
    }
    if (used != spec.size() || id <= 0)
        throw Error("baseline " + spec + " is neither a JSON file, \"base\", nor a quant run id");
    return storedRows(*st, modelId, id);
}

// The store's model id for a target; a quantized folder only through the run that wrote it
// (its results must never count as the model's unquantized ones).
std::int64_t storedModelId(store::ExperimentStore &db, const ModelTarget &target)
{
    if (target.modelId)
        return *target.modelId;
    if (target.quantized)
        throw Error(target.dir, "no quantization run in " + db.path() +
                                    " wrote this quantized folder, so its results cannot be "
                                    "stored; evaluate without a store, or name the run by its id");
    return recordModel(db, target.dir);
}

} // namespace

EvaluateResult runEvaluate(const EvaluateRequest &request, const JobContext &context)
{
    const auto start = std::chrono::steady_clock::now();
    context.applyThreads();
    const ModelTarget target =
        resolveModelTarget(request.target, context.store.path, context.store.enabled);
    const std::vector<TaskData> tasks = loadTasks(request.spec); // before minutes of compute
    EvaluateResult out;
    out.modelDir = target.dir;
    out.quantized = target.quantized;
    out.quantRunId = target.quantRunId;
    std::unique_ptr<store::ExperimentStore> db = openStore(context);
    if (db)
        out.modelId = storedModelId(*db, target);
    if (!request.baseline.empty())
        out.baseline = resolveBaseline(request.baseline, db.get(), out.modelId);

    const Tokenizer tokenizer = Tokenizer::fromModelDir(target.dir);
    auto model = loadModel(target.dir, context);
    out.report = evaluateLoadedModel(*model, tokenizer, target.dir, tasks, request.spec, context);
    out.klReferenceDir = klReferenceDir(request.spec, target.sourceModelDir);
    if (!out.klReferenceDir.empty())
        out.kl = measureKl(*model, tokenizer, out.klReferenceDir, request.spec, context);
    if (!target.quantized)
        out.parameterCount = static_cast<std::int64_t>(Checkpoint(target.dir).parameterCount());
    if (db) {
        db->addEvalResults(evaluationRows(*db, out.report, request.spec, out.modelId, target.quantRunId));
        if (out.kl)
            recordKlStatistics(*db, *out.kl, target.dir, target.quantRunId, out.klReferenceDir,
                               request.spec);
        if (request.matchStoredBaseline)
            out.storedBaseline = matchingStoredBaseline(*db, out.modelId, request.spec);
    }
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return out;
}

} // namespace lieq::jobs
