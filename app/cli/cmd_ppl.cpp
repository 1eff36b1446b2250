// `lieq ppl MODEL|QUANT_DIR|QUANT_RUN --data FILE`: perplexity the GPTQ way (the text tokenized
// once, cut into non-overlapping windows, remainder dropped, exp(sum NLL / predicted tokens)) of
// a model, a quantized checkpoint folder, or a stored quantization run's saved folder. With
// --kl-reference MODEL also the KL divergence of its next-token distributions from that model's.
#include "app/cli/args.h"
#include "app/cli/command.h"
#include "app/cli/terminal_progress.h"
#include "core/data/corpus.h"
#include "core/data/token_windows.h"
#include "core/eval/kl_divergence.h"
#include "core/eval/perplexity.h"
#include "core/model/model.h"
#include "core/quant/model_target.h"
#include "core/quant/pipeline_checkpoint.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <optional>
#include <sstream>

namespace {

using lieq::cli::Args;

std::vector<int> parseLayers(const std::string &list, std::int64_t numLayers)
{
    std::vector<int> out;
    std::stringstream ss(list);
    std::string item;
    while (std::getline(ss, item, ',')) {
        if (item.empty())
            continue;
        std::size_t used = 0;
        int v = -1;
        try {
            v = std::stoi(item, &used);
        } catch (const std::exception &) {
            used = 0;
        }
        if (used != item.size() || v < 0 || v >= numLayers)
            throw lieq::Error("lieq ppl: --skip-layers: \"" + item + "\" is not a layer in [0, " +
                              std::to_string(numLayers) + ")");
        out.push_back(v);
    }
    return out;
}

int run(const std::vector<std::string> &argv)
{
    Args args("ppl",
              {{"data", true, "text file, or JSONL with --field", "FILE"},
               {"field", true, "JSONL field holding the text (default \"text\")", "NAME"},
               {"separator", true, "joins JSONL rows (default: blank line)", "TEXT"},
               {"seqlen", true, "window length in tokens (default 2048)", "N"},
               {"max-windows", true, "evaluate at most N windows", "N"},
               {"batch", true, "windows per layer-major forward (default 1)", "B"},
               {"skip-layers", true, "comma-separated layers replaced by the identity", "LIST"},
               {"kl-reference", true, "also KL(reference || model) per token and top-1 "
                                       "agreement against this model (e.g. the FP16 one)", "DIR"},
               {"store", true, "experiment store holding QUANT_RUN (default $LIEQ_STORE)", "PATH"},
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
    const std::string dir =
        lieq::resolveModelTarget(args.positional(0, "MODEL_DIR|QUANT_DIR|QUANT_RUN"),
                                 args.value("store"))
            .dir;
    if (!args.has("data"))
        throw lieq::Error("lieq ppl: --data FILE is required\n" + args.usage());
    const long long seqlen = args.intValue("seqlen", 2048);
    const long long batch = args.intValue("batch", 1);
    if (seqlen < 2 || batch < 1)
        throw lieq::Error("lieq ppl: --seqlen must be at least 2 and --batch at least 1");
    lieq::setComputeThreads(static_cast<int>(args.intValue("threads", 0)));

    const lieq::Corpus corpus = lieq::Corpus::fromFile(args.value("data"), args.value("field"));
    const lieq::Tokenizer tokenizer = lieq::Tokenizer::fromModelDir(dir);
    lieq::ModelOptions mo;
    mo.device = args.value("device", "auto");
    if (args.has("stream"))
        mo.residentBudgetBytes = 0;
    auto model = lieq::loadAnyModel(dir, mo);
    if (model->config().maxPositionEmbeddings > 0 && seqlen > model->config().maxPositionEmbeddings)
        std::fprintf(stderr, "warning: --seqlen %lld exceeds max_position_embeddings %lld\n",
                     seqlen, static_cast<long long>(model->config().maxPositionEmbeddings));

    const lieq::TokenWindows windows = lieq::TokenWindows::fromText(
        tokenizer, corpus.joined(args.value("separator", "\n\n")), seqlen,
        args.intValue("max-windows", -1));
    lieq::PerplexityOptions po;
    po.batch = batch;
    po.skipLayers = parseLayers(args.value("skip-layers"), model->config().numLayers);

    lieq::cli::TerminalProgress bar(!args.has("no-progress"));
    const lieq::PerplexityResult r = lieq::evaluatePerplexity(*model, windows, po, bar.callback());
    std::optional<lieq::KlDivergenceResult> kl;
    if (args.has("kl-reference")) {
        if (!po.skipLayers.empty())
            throw lieq::Error("lieq ppl: --kl-reference compares whole models; drop --skip-layers");
        auto reference = lieq::loadAnyModel(args.value("kl-reference"), mo);
        kl = lieq::evaluateKlDivergence(*reference, *model, windows, bar.callback());
    }
    bar.finish();

    if (args.has("json")) {
        nlohmann::json j;
        j["model"] = dir;
        j["data"] = args.value("data");
        j["ppl"] = r.ppl;
        j["nll_sum"] = r.nllSum;
        j["tokens"] = r.tokens;
        j["windows"] = r.windows;
        j["seqlen"] = r.seqlen;
        j["source_tokens"] = windows.sourceTokens;
        j["dropped_tokens"] = windows.droppedTokens;
        j["seconds"] = r.seconds;
        j["tokens_per_second"] = r.tokensPerSecond;
        j["skip_layers"] = po.skipLayers;
        j["resident"] = model->isResident();
        j["device"] = model->deviceName();
        j["threads"] = lieq::computeThreads();
        if (kl)
            j["kl"] = {{"reference", args.value("kl-reference")}, {"mean_kl", kl->meanKl},
                       {"max_kl", kl->maxKl}, {"top1_agreement", kl->top1Agreement},
                       {"ppl_reference", kl->pplReference}, {"positions", kl->positions},
                       {"seconds", kl->seconds}};
        std::printf("%s\n", j.dump(2).c_str());
    } else {
        std::printf("perplexity %.4f  (%lld windows x %lld tokens, %lld predicted; %.1f s, "
                    "%.0f tok/s)\n",
                    r.ppl, static_cast<long long>(r.windows), static_cast<long long>(r.seqlen),
                    static_cast<long long>(r.tokens), r.seconds, r.tokensPerSecond);
        if (kl)
            std::printf("KL divergence from %s: mean %.6f nats/token (max %.4f), top-1 "
                        "agreement %.2f%%; its perplexity %.4f\n",
                        args.value("kl-reference").c_str(), kl->meanKl, kl->maxKl,
                        100.0 * kl->top1Agreement, kl->pplReference);
    }
    return 0;
}

const lieq::cli::CommandRegistration registration(
    {"ppl", "perplexity over a text or JSONL corpus (GPTQ protocol)", run});

} // namespace
