// `lieq generate MODEL|QUANT_DIR|QUANT_RUN --prompt TEXT [--max-tokens N] [--json]`: greedy
// decoding with the KV cache, of a model or a quantized checkpoint (folder or stored run).
// Prints the prompt and its continuation; --json adds the ids and timings.
#include "app/cli/command.h"
#include "app/cli/terminal_progress.h"
#include "core/jobs/model_job.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace {

using lieq::cli::Args;

int run(const Args &args)
{
    lieq::jobs::GenerateRequest req;
    req.target = args.positional(0, "MODEL_DIR|QUANT_DIR|QUANT_RUN");
    req.prompt = args.required("prompt");
    req.maxNewTokens = static_cast<int>(args.intValue("max-tokens", req.maxNewTokens));
    req.stopAtEos = !args.has("no-eos");
    req.addSpecialTokens = !args.has("no-special");

    const bool json = args.common().json;
    lieq::cli::TerminalProgress bar(!args.common().quiet && !json);
    const lieq::jobs::GenerateReport r = lieq::jobs::runGenerate(req, args.jobContext(bar));
    bar.finish();
    if (!json) {
        std::printf("%s%s\n", r.prompt.c_str(), r.continuation.c_str());
        return 0;
    }
    nlohmann::json j;
    j["model"] = r.modelDir;
    j["prompt"] = req.prompt;
    j["prompt_ids"] = r.promptIds;
    j["ids"] = r.ids;
    j["text"] = r.continuation;
    j["full_text"] = r.fullText;
    j["stopped_at_eos"] = r.stoppedAtEos;
    j["seconds"] = r.seconds;
    j["tokens_per_second"] = r.seconds > 0 ? double(r.ids.size()) / r.seconds : 0.0;
    j["device"] = r.device;
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
}

const lieq::cli::CommandRegistration registration(run, R"(
lieq generate MODEL_DIR|QUANT_DIR|QUANT_RUN
greedy text generation from a prompt
--prompt TEXT       text to continue
--max-tokens N      new tokens to generate (default 64)
--no-eos            keep going after an end-of-sequence token
--no-special        do not add the tokenizer's BOS to the prompt
)",
    {},
    "\n--store names the experiment store holding QUANT_RUN; nothing is recorded.\n"
    "\nThreads: the prompt runs on all --threads. Each new token (a decode step) runs either on\n"
    "one thread or on all of them: the first steps try both ways in turn, the faster is kept (all\n"
    "threads only when 10% faster) and the other tried again every 32 tokens, so a core that\n"
    "another program keeps busy (or frees) changes the choice within a few tokens. The tokens are\n"
    "the same either way.\n"
    "LIEQ_DECODE_THREADS=1 or =all fixes the choice.\n");

} // namespace
