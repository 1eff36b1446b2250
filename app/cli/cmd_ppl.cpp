// `lieq ppl MODEL|QUANT_DIR|QUANT_RUN --data FILE`: perplexity the GPTQ way (the text tokenized
// once, cut into non-overlapping windows, remainder dropped, exp(sum NLL / predicted tokens)) of
// a model, a quantized checkpoint folder, or a stored quantization run's saved folder. With
// --kl-reference MODEL also the KL divergence of its next-token distributions from that model's,
// with llama.cpp's statistics (percentiles, top-1, change of the next token's probability, PPL
// ratio), in one pass over the windows.
#include "app/cli/command.h"
#include "app/cli/option_groups.h"
#include "app/cli/terminal_progress.h"
#include "core/eval/kl_statistics.h"
#include "core/jobs/model_job.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace {

using lieq::cli::Args;

std::vector<int> parseLayers(const Args &args)
{
    std::vector<int> out;
    for (const std::string &item : lieq::cli::splitList(args.value("skip-layers"))) {
        std::size_t used = 0;
        int v = -1;
        try {
            v = std::stoi(item, &used);
        } catch (const std::exception &) {
            used = 0;
        }
        if (used != item.size() || v < 0)
            args.fail("--skip-layers: \"" + item + "\" is not a layer number");
        out.push_back(v);
    }
    return out;
}

int run(const Args &args)
{
    lieq::jobs::PerplexityRequest req;
    req.target = args.positional(0, "MODEL_DIR|QUANT_DIR|QUANT_RUN");
    req.data = args.required("data");
    req.field = args.value("field");
    req.separator = args.value("separator", req.separator);
    req.seqlen = args.intValue("seqlen", req.seqlen);
    req.maxWindows = args.intValue("max-windows", -1);
    req.batch = args.intValue("batch", 1);
    req.skipLayers = parseLayers(args);
    req.klReference = args.value("kl-reference");

    lieq::cli::TerminalProgress bar(!args.common().quiet);
    const lieq::jobs::PerplexityReport r = lieq::jobs::runPerplexity(req, args.jobContext(bar));
    bar.finish();
    if (r.maxPositionEmbeddings > 0 && req.seqlen > r.maxPositionEmbeddings)
        std::fprintf(stderr, "warning: --seqlen %lld exceeds max_position_embeddings %lld\n",
                     static_cast<long long>(req.seqlen),
                     static_cast<long long>(r.maxPositionEmbeddings));
    if (args.common().json) {
        nlohmann::json j;
        j["model"] = r.modelDir;
        j["data"] = req.data;
        j["ppl"] = r.ppl.ppl;
        j["nll_sum"] = r.ppl.nllSum;
        j["tokens"] = r.ppl.tokens;
        j["windows"] = r.ppl.windows;
        j["seqlen"] = r.ppl.seqlen;
        j["source_tokens"] = r.sourceTokens;
        j["dropped_tokens"] = r.droppedTokens;
        j["seconds"] = r.ppl.seconds;
        j["tokens_per_second"] = r.ppl.tokensPerSecond;
        j["skip_layers"] = req.skipLayers;
        j["resident"] = r.resident;
        j["device"] = r.device;
        j["threads"] = r.threads;
        if (r.kl)
            j["kl"] = {{"reference", r.klReferenceDir}, {"mean_kl", r.kl->meanKl},
                       {"max_kl", r.kl->maxKl}, {"top1_agreement", r.kl->top1Agreement},
                       {"ppl_reference", r.kl->pplReference}, {"positions", r.kl->positions},
                       {"seconds", r.kl->seconds},
                       {"stats", nlohmann::json::parse(lieq::klStatisticsToJson(r.kl->stats))}};
        std::printf("%s\n", j.dump(2).c_str());
        return 0;
    }
    std::printf("perplexity %.4f  (%lld windows x %lld tokens, %lld predicted; %.1f s, %.0f tok/s)\n",
                r.ppl.ppl, static_cast<long long>(r.ppl.windows), static_cast<long long>(r.ppl.seqlen),
                static_cast<long long>(r.ppl.tokens), r.ppl.seconds, r.ppl.tokensPerSecond);
    if (r.kl)
        std::printf("KL divergence from %s: mean %.6f nats/token (max %.4f), top-1 agreement "
                    "%.2f%%; its perplexity %.4f\n\n%s",
                    r.klReferenceDir.c_str(), r.kl->meanKl, r.kl->maxKl,
                    100.0 * r.kl->top1Agreement, r.kl->pplReference,
                    lieq::formatKlStatistics(r.kl->stats).c_str());
    return 0;
}

const lieq::cli::CommandRegistration registration(run, R"(
lieq ppl MODEL_DIR|QUANT_DIR|QUANT_RUN
perplexity over a text or JSONL corpus (GPTQ protocol)
--data FILE         text file, or JSONL with --field
--field NAME        JSONL field holding the text (default "text")
--separator TEXT    joins JSONL rows (default: blank line)
--seqlen N          window length in tokens (default 2048)
--max-windows N     evaluate at most N windows
--batch B           windows per layer-major forward (default 1)
--skip-layers LIST  comma-separated layers replaced by the identity
--kl-reference DIR|base  also the KL statistics against this model, llama.cpp's
                    --kl-divergence figures (a folder, or base: the model a quantized folder
                    was made from)
)",
    {lieq::cli::loadOptions()},
    "\n--store names the experiment store holding QUANT_RUN; nothing is recorded.\n");

} // namespace
