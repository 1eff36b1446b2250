#include "app/cli/option_groups.h"

#include "core/tasks/loglikelihood_scorer.h"
#include "core/util/error.h"

namespace lieq::cli {

namespace {
std::string number(std::int64_t v) { return std::to_string(v); }
} // namespace

OptionGroup calibrationOptions(const std::string &dataOption)
{
    return optionTable("--" + dataOption + " FILE  calibration text: plain text or JSONL" + R"(
--field F           JSONL field holding the text (default "text")
--samples N         calibration windows (default )" + number(kDefaultCalibrationSamples) + R"()
--seqlen S          tokens per calibration window (default )" + number(kDefaultCalibrationSeqlen) + R"()
--seed N            seed of the window starts (default 0)
)");
}

CalibrationSpec readCalibration(const Args &args, const std::string &dataOption)
{
    CalibrationSpec c;
    c.path = args.required(dataOption);
    c.field = args.value("field");
    c.samples = args.intValue("samples", kDefaultCalibrationSamples);
    c.seqlen = args.intValue("seqlen", kDefaultCalibrationSeqlen);
    const long long seed = args.intValue("seed", 0);
    if (seed < 0)
        args.fail("--seed must not be negative");
    c.seed = static_cast<std::uint64_t>(seed);
    return c;
}

OptionGroup pipelineOptions()
{
    return optionTable(R"(
--method M          rtn | gptq | awq (default gptq)
--group G           group size along input features (default 128; -1 per row)
--sym               symmetric grids
--act-order         GPTQ: columns by decreasing Hessian diagonal
--static-groups     GPTQ: group grids fixed before the updates
--damp X            GPTQ damping fraction of mean diag(H) (default 0.01)
--no-clip           AWQ: no clipping search
--no-propagate      calibrate layer l+1 on float outputs of layer l
--module-errors     measure every module's output error (GPTQ and AWQ always do; RTN then
                    runs the calibration forwards it otherwise skips)
)");
}

PipelineSettings readPipeline(const Args &args)
{
    PipelineSettings s;
    s.method = quantMethodFromName(args.value("method", quantMethodName(s.method)));
    s.groupSize = static_cast<int>(args.intValue("group", s.groupSize));
    s.symmetric = args.has("sym");
    s.actOrder = args.has("act-order");
    s.staticGroups = args.has("static-groups");
    s.dampPercent = args.doubleValue("damp", s.dampPercent);
    s.awqClip = !args.has("no-clip");
    s.propagateQuantized = !args.has("no-propagate");
    if (args.has("module-errors"))
        s.moduleErrors = 1;
    return s;
}

OptionGroup scoreOptions()
{
    return optionTable(R"(
--scores FILE       per-layer scores: a layer table from lieq analyze (CSV or JSON)
--scores-run ID     scores from this stored analysis run
--score-metric M    dr (default), dE (energy) or dppl (measured: the oracle)
--invert-scores     protect the lowest-scored layers instead (ablation)
)");
}

jobs::ScoreSource readScoreSource(const Args &args)
{
    jobs::ScoreSource s;
    if (args.has("scores") && args.has("scores-run"))
        args.fail("give one of --scores FILE or --scores-run ID");
    s.tableFile = args.value("scores");
    if (args.has("scores-run"))
        s.analysisRun = args.intValue("scores-run", 0);
    s.metric = jobs::canonicalScoreMetric(args.value("score-metric", "dr"));
    s.invert = args.has("invert-scores");
    return s;
}

OptionGroup planOptions()
{
    OptionGroup g = optionTable(R"(
--plan FILE         bit plan JSON (lieq allocate --out)
--budget B          average bits in [2, 4]: LieQ allocation (paper rule)
--bits N            uniform plan: every layer at N bits (2, 3, 4, 8)
--analysis-samples N  windows of the scoring analysis (default )" +
                                number(kDefaultCalibrationSamples) + R"()
--analysis-seqlen S  tokens per analysis window (default )" + number(kDefaultCalibrationSeqlen) + R"()
--analysis-metrics L  metrics of the scoring analysis (default all)
)");
    const OptionGroup scores = scoreOptions();
    g.insert(g.begin() + 3, scores.begin(), scores.end());
    return g;
}

jobs::PlanRequest readPlan(const Args &args, const std::string &modelDir,
                           const CalibrationSpec &calibration)
{
    const int modes = int(args.has("plan")) + int(args.has("budget")) + int(args.has("bits"));
    if (modes != 1)
        args.fail("give exactly one of --plan FILE, --budget B or --bits N");
    jobs::PlanRequest p;
    if (args.has("plan")) {
        p.kind = jobs::PlanRequest::Kind::File;
        p.file = args.value("plan");
        return p;
    }
    if (args.has("bits")) {
        p.kind = jobs::PlanRequest::Kind::Uniform;
        p.uniformBits = static_cast<int>(args.intValue("bits", 4));
        return p;
    }
    p.kind = jobs::PlanRequest::Kind::Budget;
    p.budget = args.doubleValue("budget", 2.0);
    p.scores = readScoreSource(args);
    // Without stored scores: the analysis `lieq analyze MODEL --data CALIB` would run.
    jobs::AnalysisRequest &a = p.scores.analysis;
    a.modelDir = modelDir;
    a.calibration = calibration;
    a.calibration.samples = args.intValue("analysis-samples", kDefaultCalibrationSamples);
    a.calibration.seqlen = args.intValue("analysis-seqlen", kDefaultCalibrationSeqlen);
    a.settings.initSeed = calibration.seed;
    if (p.scores.metric != "dppl" && args.has("analysis-metrics"))
        a.settings.setMetrics(args.value("analysis-metrics"));
    return p;
}

OptionGroup taskOptions()
{
    return optionTable(R"(
--tasks LIST        zero-shot tasks piqa,arc_e,arc_c,hellaswag,winogrande,boolq
--limit N           score at most N items per task
--data-dir DIR      task data folder (default $LIEQ_DATA_DIR, else ../shared/data)
--batching MODE     auto | packed | shared | none (default auto)
--batch-tokens N    padded tokens per packed forward (default 8192)
--add-bos           prefix every context with BOS (harness add_bos_token=True)
--log-samples FILE  write every scored item (prompt, each choice's log-likelihood and length,
                    choice taken, gold) as JSON lines
)");
}

void readTasks(const Args &args, jobs::EvaluationSpec &spec, const std::string &defaultTasks)
{
    spec.tasks = splitList(args.value("tasks", defaultTasks));
    spec.taskDataDir = args.value("data-dir", jobs::defaultTaskDataDir());
    ZeroShotOptions &zo = spec.zeroShot;
    zo.limit = args.intValue("limit", -1);
    zo.scorer.batching = batchingFromString(args.value("batching", "auto"));
    zo.scorer.maxBatchTokens = args.intValue("batch-tokens", zo.scorer.maxBatchTokens);
    if (zo.scorer.maxBatchTokens < 1)
        args.fail("--batch-tokens must be positive");
    zo.scorer.addBos = args.has("add-bos");
    spec.logSamplesPath = args.value("log-samples");
}

OptionGroup loadOptions()
{
    return optionTable("--stream  stream layers even when the model fits in memory");
}

} // namespace lieq::cli
