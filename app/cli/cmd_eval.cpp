// `lieq eval MODEL|QUANT_DIR|QUANT_RUN [--ppl FILE ...] [--tasks piqa,arc_e,...]`: perplexity
// and zero-shot multiple-choice accuracy (lm-evaluation-harness prompts and metrics) of a model,
// a quantized checkpoint folder or a stored quantization run's saved folder, optionally
// compared with a baseline ("% of FP16 recovered") and recorded with --store (results of a
// quantized model are attached to the quant run that wrote it).
#include "app/cli/command.h"
#include "app/cli/option_groups.h"
#include "app/cli/terminal_progress.h"
#include "core/eval/kl_statistics.h"
#include "core/jobs/evaluate_job.h"
#include "core/util/atomic_file.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>

namespace {

using lieq::cli::Args;

std::string cell(double v, const char *fmt)
{
    char buf[32];
    if (!std::isfinite(v))
        std::snprintf(buf, sizeof buf, "%*s", 8, "-");
    else
        std::snprintf(buf, sizeof buf, fmt, v);
    return buf;
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
        std::printf("%-14s %6lld %8.4f %8.4f %9s %8s %8.1f", t.task.c_str(),
                    static_cast<long long>(t.n), t.acc, t.accStderr,
                    cell(t.accNorm, "%9.4f").c_str(), cell(t.accNormStderr, "%8.4f").c_str(),
                    t.seconds);
        if (baseline && rec.acc.count(t.task))
            std::printf("  %10.1f", rec.acc.at(t.task));
        std::printf("\n");
    }
    std::printf("%-14s %6s %8.4f %8s %9s", "average", "", lieq::averageAcc(r.tasks), "",
                cell(lieq::averageAcc(r.tasks, true), "%9.4f").c_str());
    if (baseline)
        std::printf(" %8s %8s  %10.1f", "", "", rec.averageAcc);
    std::printf("\n");
    if (baseline && rec.pplRatio)
        std::printf("perplexity / baseline: %.4f\n", *rec.pplRatio);
}

int run(const Args &args)
{
    lieq::jobs::EvaluateRequest req;
    req.target = args.positional(0, "MODEL_DIR|QUANT_DIR|QUANT_RUN");
    lieq::jobs::EvaluationSpec &spec = req.spec;
    spec.pplData = args.value("ppl");
    spec.pplField = args.value("field");
    spec.seqlen = args.intValue("seqlen", lieq::jobs::kDefaultEvalSeqlen);
    spec.maxWindows = args.intValue("max-windows", -1);
    // All six tasks unless only --ppl is given.
    lieq::cli::readTasks(args, spec, args.has("ppl") ? "" : lieq::jobs::kDefaultTasks);
    if (args.has("seed"))
        spec.zeroShot.sampleSeed = static_cast<std::uint64_t>(args.intValue("seed", 0));
    req.baseline = args.value("baseline");
    spec.klReference = args.value("kl-reference");

    lieq::cli::TerminalProgress bar(!args.common().quiet);
    const lieq::jobs::EvaluateResult r = lieq::jobs::runEvaluate(req, args.jobContext(bar));
    bar.finish();
    const lieq::EvalBaseline *baseline = r.baseline ? &*r.baseline : nullptr;
    std::string json = lieq::evalReportJson(r.report, baseline);
    if (r.kl) {
        nlohmann::json j = nlohmann::json::parse(json);
        j["kl_reference"] = r.klReferenceDir;
        j["kl"] = nlohmann::json::parse(lieq::klStatisticsToJson(*r.kl));
        json = j.dump(2);
    }
    if (args.has("out"))
        lieq::writeFileAtomic(args.value("out"), json + "\n");
    if (args.common().json)
        std::printf("%s\n", json.c_str());
    else
        printText(r.report, baseline);
    if (r.kl && !args.common().json)
        std::printf("\nKL statistics against %s:\n%s", r.klReferenceDir.c_str(),
                    lieq::formatKlStatistics(*r.kl).c_str());
    return 0;
}

const lieq::cli::CommandRegistration registration(run, R"(
lieq eval MODEL_DIR|QUANT_DIR|QUANT_RUN
perplexity and zero-shot task accuracy (lm-eval-harness protocol)
--ppl FILE          perplexity on a text or JSONL file (GPTQ protocol)
--field NAME        JSONL field for --ppl (default "text")
--seqlen N          perplexity window length (default 2048)
--max-windows N     perplexity on at most N windows
--seed S            with --limit: a seeded sample instead of the first N
--baseline REF      JSON from lieq eval --json, or with --store: base | QUANT_RUN_ID
--kl-reference DIR|base  with --ppl: KL statistics against this model on the same windows
                    (llama.cpp's --kl-divergence figures; base = the model a quantized
                    folder was made from)
--out FILE          also write the JSON result to FILE
)",
    {lieq::cli::taskOptions(), lieq::cli::loadOptions()},
    "\nWithout --tasks all six run unless only --ppl is given. Results are recorded only with\n"
    "--store PATH (a quantized folder then needs the stored run that wrote it).\n",
    {/*store=*/false, /*threads=*/-1});

} // namespace
