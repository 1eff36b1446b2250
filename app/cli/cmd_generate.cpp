// `lieq generate MODEL|QUANT_DIR|QUANT_RUN --prompt TEXT [--max-tokens N] [--json]`: greedy
// decoding with the KV cache, of a model or a quantized checkpoint (folder or stored run).
// Prints the prompt and its continuation; --json adds the ids and timings.
#include "app/cli/args.h"
#include "app/cli/command.h"
#include "app/cli/terminal_progress.h"
#include "core/model/model.h"
#include "core/quant/model_target.h"
#include "core/quant/pipeline_checkpoint.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace {

using lieq::cli::Args;

int run(const std::vector<std::string> &argv)
{
    Args args("generate",
              {{"prompt", true, "text to continue", "TEXT"},
               {"max-tokens", true, "new tokens to generate (default 64)", "N"},
               {"no-eos", false, "keep going after an end-of-sequence token"},
               {"no-special", false, "do not add the tokenizer's BOS to the prompt"},
               {"store", true, "experiment store holding QUANT_RUN (default $LIEQ_STORE)", "PATH"},
               {"threads", true, "compute threads (default: all cores)", "N"},
               {"device", true, "auto | cpu | cuda (default auto)", "NAME"},
               {"json", false, "machine-readable output on stdout"},
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
    if (!args.has("prompt"))
        throw lieq::Error("lieq generate: --prompt TEXT is required\n" + args.usage());
    const long long maxTokens = args.intValue("max-tokens", 64);
    if (maxTokens < 0 || maxTokens > 1'000'000)
        throw lieq::Error("lieq generate: --max-tokens must be between 0 and 1000000");
    lieq::setComputeThreads(static_cast<int>(args.intValue("threads", 0)));

    const lieq::Tokenizer tokenizer = lieq::Tokenizer::fromModelDir(dir);
    lieq::ModelOptions mo;
    mo.device = args.value("device", "auto");
    auto model = lieq::loadAnyModel(dir, mo);
    const std::string promptText = args.value("prompt");
    const std::vector<std::int32_t> prompt = tokenizer.encode(promptText, !args.has("no-special"));
    if (prompt.empty())
        throw lieq::Error("lieq generate: the prompt encodes to no tokens");

    lieq::GenerateOptions go;
    go.maxNewTokens = static_cast<int>(maxTokens);
    go.stopAtEos = !args.has("no-eos");
    lieq::cli::TerminalProgress bar(!args.has("no-progress") && !args.has("json"));
    const lieq::GenerateResult r = model->generate(prompt, go, bar.callback());
    bar.finish();

    std::vector<std::int32_t> all = prompt;
    all.insert(all.end(), r.tokens.begin(), r.tokens.end());
    // Decode whole sequences and cut, so pieces that merge across the boundary stay intact.
    const std::string full = tokenizer.decode(all, /*skipSpecial=*/true);
    const std::string head = tokenizer.decode(prompt, /*skipSpecial=*/true);
    const std::string continuation =
        full.compare(0, head.size(), head) == 0 ? full.substr(head.size())
                                                : tokenizer.decode(r.tokens, true);
    if (args.has("json")) {
        nlohmann::json j;
        j["model"] = dir;
        j["prompt"] = promptText;
        j["prompt_ids"] = prompt;
        j["ids"] = r.tokens;
        j["text"] = continuation;
        j["full_text"] = full;
        j["stopped_at_eos"] = r.stoppedAtEos;
        j["seconds"] = r.seconds;
        j["tokens_per_second"] = r.seconds > 0 ? double(r.tokens.size()) / r.seconds : 0.0;
        j["device"] = model->deviceName();
        std::printf("%s\n", j.dump(2).c_str());
    } else {
        std::printf("%s%s\n", head.c_str(), continuation.c_str());
    }
    return 0;
}

const lieq::cli::CommandRegistration registration(
    {"generate", "greedy text generation from a prompt", run});

} // namespace
