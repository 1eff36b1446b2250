// `lieq eval MODEL|QUANT_DIR|QUANT_RUN [--ppl FILE ...] [--tasks piqa,arc_e,...]`: perplexity
// and zero-shot multiple-choice accuracy (lm-evaluation-harness prompts and metrics) of a model,
// a quantized checkpoint folder or a stored quantization run's saved folder, optionally
// compared with a baseline ("% of FP16 recovered") and stored in the experiment store (results
// of a quantized model are attached to the quant run that wrote it).
#include "app/cli/args.h"
#include "app/cli/command.h"
#include "app/cli/terminal_progress.h"
#include "core/data/corpus.h"
#include "core/data/token_windows.h"
#include "core/eval/perplexity.h"
#include "core/model/model.h"
#include "core/quant/model_target.h"
#include "core/quant/pipeline_checkpoint.h"
#include "core/store/experiment_store.h"
#include "core/store/fingerprint.h"
#include "core/tasks/eval_report.h"
#include "core/tasks/task_loaders.h"
#include "core/tasks/zero_shot.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

namespace {

using lieq::cli::Args;

std::vector<std::string> splitList(const std::string &list)
{
    std::vector<std::string> out;
    std::stringstream ss(list);
    std::string item;
    while (std::getline(ss, item, ','))
        if (!item.empty())
            out.push_back(item);
    return out;
}

lieq::EvalBaseline resolveBaseline(const std::string &spec, lieq::store::ExperimentStore *st,
                                   std::int64_t modelId)
{
    if (std::filesystem::is_regular_file(spec))
        return lieq::baselineFromJsonFile(spec);
    if (!st)
        throw lieq::Error("lieq eval: --baseline " + spec +
                          " is not a file; naming stored results (base, or a quant run id) "
                          "needs --store");
    if (spec == "base" || spec == "fp16")
        return lieq::baselineFromStore(*st, modelId, std::nullopt);
    std::size_t used = 0;
    long long id = -1;
    try {
        id = std::stoll(spec, &used);
    } catch (const std::exception &) {
        used = 0;
    }
    if (used != spec.size() || id <= 0)
        throw lieq::Error("lieq eval: --baseline " + spec +
                          " is neither a JSON file, \"base\", nor a quant run id");
    return lieq::baselineFromStore(*st, modelId, id);
}

void printText(const lieq::EvalReport &r, const lieq::EvalBaseline *baseline)
{
    if (r.ppl)
        std::printf("perplexity %.4f  (%s, %lld windows x %lld tokens, %.1f s)\n", r.ppl->ppl,
                    r.ppl->data.c_str(), static_cast<long long>(r.ppl->windows),
                    static_cast<long long>(r.ppl->seqlen), r.ppl->seconds);
    if (r.tasks.empty())
        return;
    lieq::Recovery rec;
    if (baseline)
        rec = lieq::recovery(r, *baseline);
    std::printf("%-14s %6s %8s %8s %9s %8s %8s%s\n", "task", "n", "acc", "stderr", "acc_norm",
                "stderr", "seconds", baseline ? "  recovered%" : "");
    for (const auto &t : r.tasks) {
        std::printf("%-14s %6lld %8.4f %8.4f %9.4f %8.4f %8.1f", t.task.c_str(),
                    static_cast<long long>(t.n), t.acc, t.accStderr, t.accNorm, t.accNormStderr,
                    t.seconds);
        if (baseline && rec.acc.count(t.task))
            std::printf("  %10.1f", rec.acc.at(t.task));
        std::printf("\n");
    }
    std::printf("%-14s %6s %8.4f %8s %9.4f", "average", "", lieq::averageAcc(r.tasks), "",
                lieq::averageAcc(r.tasks, true));
    if (baseline)
        std::printf(" %8s %8s  %10.1f", "", "", rec.averageAcc);
    std::printf("\n");
    if (baseline && rec.pplRatio)
        std::printf("perplexity / baseline: %.4f\n", *rec.pplRatio);
}

int run(const std::vector<std::string> &argv)
{
    Args args("eval",
              {{"ppl", true, "perplexity on a text or JSONL file (GPTQ protocol)", "FILE"},
               {"field", true, "JSONL field for --ppl (default \"text\")", "NAME"},
               {"seqlen", true, "perplexity window length (default 2048)", "N"},
               {"max-windows", true, "perplexity on at most N windows", "N"},
               {"tasks", true, "piqa,arc_e,arc_c,hellaswag,winogrande,boolq (default: all six "
                               "unless only --ppl is given)", "LIST"},
               {"limit", true, "score at most N items per task", "N"},
               {"seed", true, "with --limit: a seeded sample instead of the first N", "S"},
               {"data-dir", true, "task data folder (default ../shared/data)", "DIR"},
               {"baseline", true, "JSON from lieq eval --json, or with --store: base | QUANT_RUN_ID",
                "REF"},
               {"store", true, "experiment store to record the results in", "PATH"},
               {"batching", true, "auto | packed | shared | none (default auto)", "MODE"},
               {"batch-tokens", true, "padded tokens per packed forward (default 8192)", "N"},
               {"add-bos", false, "prefix every context with BOS (harness add_bos_token=True)"},
               {"out", true, "also write the JSON result to FILE", "FILE"},
               {"threads", true, "compute threads (default: all cores)", "N"},
               {"device", true, "auto | cpu | cuda (default auto)", "NAME"},
               {"stream", false, "stream layers even when the model fits in memory"},
               {"json", false, "machine-readable result on stdout"},
               {"no-progress", false, "no progress bar on stderr"}},
              "MODEL_DIR|QUANT_DIR|QUANT_RUN");
    args.parse(argv);
    if (args.has("help")) {
        std::printf("%s", args.usage().c_str());
        return 0;
    }
    // A run id is looked up in --store (or the default store); a quantized folder is matched
    // to the run that wrote it when results are to be stored.
    const lieq::ModelTarget target = lieq::resolveModelTarget(
        args.positional(0, "MODEL_DIR|QUANT_DIR|QUANT_RUN"), args.value("store"),
        args.has("store"));
    const std::string dir = target.dir;
    lieq::setComputeThreads(static_cast<int>(args.intValue("threads", 0)));

    std::vector<std::string> tasks;
    if (args.has("tasks") || !args.has("ppl")) {
        for (const std::string &t : splitList(args.value("tasks", "piqa,arc_e,arc_c,hellaswag,winogrande,boolq")))
            tasks.push_back(lieq::canonicalTaskName(t));
    }
    const std::string dataDir = args.value("data-dir", "../shared/data");
    lieq::ZeroShotOptions zo;
    zo.limit = args.intValue("limit", -1);
    if (args.has("seed"))
        zo.sampleSeed = static_cast<std::uint64_t>(args.intValue("seed", 0));
    zo.scorer.batching = lieq::batchingFromString(args.value("batching", "auto"));
    zo.scorer.maxBatchTokens = args.intValue("batch-tokens", 8192);
    zo.scorer.addBos = args.has("add-bos");
    if (zo.scorer.maxBatchTokens < 1)
        throw lieq::Error("lieq eval: --batch-tokens must be positive");

    // Load every task first so a bad data file fails before minutes of compute.
    std::vector<lieq::TaskData> data;
    for (const std::string &t : tasks)
        data.push_back(lieq::loadTask(t, dataDir));

    const lieq::Tokenizer tokenizer = lieq::Tokenizer::fromModelDir(dir);
    lieq::ModelOptions mo;
    mo.device = args.value("device", "auto");
    if (args.has("stream"))
        mo.residentBudgetBytes = 0;
    auto model = lieq::loadAnyModel(dir, mo);

    std::unique_ptr<lieq::store::ExperimentStore> st;
    std::int64_t modelId = 0;
    if (args.has("store")) {
        st = std::make_unique<lieq::store::ExperimentStore>(args.value("store"));
        if (target.modelId)
            modelId = *target.modelId;
        else if (target.quantized) // never record a quantized model's scores as the baseline
            throw lieq::Error(dir, "no quantization run in " + st->path() +
                                       " wrote this quantized folder, so its results cannot be "
                                       "stored; drop --store, or name the run by its id");
        else
            modelId = st->upsertModel(lieq::store::describeModel(dir));
    }
    std::optional<lieq::EvalBaseline> baseline;
    if (args.has("baseline"))
        baseline = resolveBaseline(args.value("baseline"), st.get(), modelId);

    lieq::EvalReport report;
    report.model = dir;
    nlohmann::json settings;
    settings["limit"] = zo.limit;
    if (zo.sampleSeed)
        settings["seed"] = *zo.sampleSeed;
    settings["add_bos"] = zo.scorer.addBos;
    settings["batching"] = lieq::batchingName(zo.scorer.batching);
    settings["data_dir"] = dataDir;
    settings["prompts"] = "lm-eval-harness";
    report.settingsJson = settings.dump();

    lieq::cli::TerminalProgress bar(!args.has("no-progress"));
    if (args.has("ppl")) {
        const long long seqlen = args.intValue("seqlen", 2048);
        if (seqlen < 2)
            throw lieq::Error("lieq eval: --seqlen must be at least 2");
        const lieq::Corpus corpus = lieq::Corpus::fromFile(args.value("ppl"), args.value("field"));
        const lieq::TokenWindows windows = lieq::TokenWindows::fromText(
            tokenizer, corpus.joined("\n\n"), seqlen, args.intValue("max-windows", -1));
        const lieq::PerplexityResult p =
            lieq::evaluatePerplexity(*model, windows, {}, bar.callback());
        report.ppl = lieq::PerplexityFigures{args.value("ppl"), p.ppl, p.windows, p.seqlen,
                                             p.tokens, p.seconds};
    }
    for (const lieq::TaskData &t : data)
        report.tasks.push_back(lieq::evaluateTask(*model, tokenizer, t, zo, bar.callback()));
    bar.finish();

    if (st) {
        std::map<std::string, std::int64_t> datasetIds;
        for (const std::string &t : tasks)
            datasetIds[t] = st->upsertDataset(
                lieq::store::describeDataset(lieq::taskDataPath(t, dataDir), t));
        if (report.ppl)
            datasetIds["ppl"] = st->upsertDataset(lieq::store::describeDataset(report.ppl->data, "text"));
        st->addEvalResults(lieq::evalRows(report, modelId, target.quantRunId, datasetIds));
    }
    const std::string json = lieq::evalReportJson(report, baseline ? &*baseline : nullptr);
    if (args.has("out"))
        lieq::writeFileAtomic(args.value("out"), json + "\n");
    if (args.has("json"))
        std::printf("%s\n", json.c_str());
    else
        printText(report, baseline ? &*baseline : nullptr);
    return 0;
}

const lieq::cli::CommandRegistration registration(
    {"eval", "perplexity and zero-shot task accuracy (lm-eval-harness protocol)", run});

} // namespace
