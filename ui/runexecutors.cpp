#include "ui/runexecutors.h"

#include "core/data/corpus.h"
#include "core/data/token_windows.h"
#include "core/eval/perplexity.h"
#include "core/io/checkpoint.h"
#include "core/model/model.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"

#include <chrono>
#include <filesystem>

namespace lieq::ui {

RunResult evaluateUnquantized(const RunRequest &request, const lieq::ProgressFn &progress)
{
    const auto t0 = std::chrono::steady_clock::now();
    const std::string dir = request.modelPath.toStdString();
    if (request.evaluationData.isEmpty())
        throw lieq::Error("no evaluation data chosen (Settings > Evaluation data)");
    lieq::reportProgress(progress, {"loading model", 0, 1, dir});
    auto model = lieq::Model::load(dir);
    const auto tokenizer = lieq::Tokenizer::fromModelDir(dir);
    lieq::reportProgress(progress, {"tokenizing", 0, 1, {}});
    const auto corpus = lieq::Corpus::fromFile(request.evaluationData.toStdString());
    const auto windows = lieq::TokenWindows::fromText(tokenizer, corpus.joined(), request.seqlen,
                                                      request.maxEvalWindows);
    if (windows.count == 0)
        throw lieq::Error(corpus.path(), "too short for one window of " + std::to_string(request.seqlen) + " tokens");
    const lieq::PerplexityResult ppl = lieq::evaluatePerplexity(*model, windows, {}, progress);

    RunResult r;
    r.ppl = ppl.ppl;
    r.nominalBits = 16;
    r.effectiveBits = 16;
    const lieq::Checkpoint ck(dir);
    r.sizeBytes = std::int64_t(ck.parameterCount()) * 2; // as an FP16 export would store it
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

} // namespace lieq::ui
