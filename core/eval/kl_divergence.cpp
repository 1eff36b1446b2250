#include "core/eval/kl_divergence.h"

#include "core/data/token_windows.h"
#include "core/model/model.h"
#include "core/util/error.h"

#include <chrono>
#include <string>
#include <vector>

namespace lieq {

KlDivergenceResult evaluateKlDivergence(Model &reference, Model &model, const TokenWindows &windows,
                                        const ProgressFn &progress)
{
    const std::int64_t vocab = reference.config().vocabSize;
    if (model.config().vocabSize != vocab)
        throw Error("KL divergence: the models' vocabularies differ (" + std::to_string(vocab) +
                    " and " + std::to_string(model.config().vocabSize) + " tokens)");
    if (windows.count <= 0 || windows.seqlen < 2)
        throw Error("KL divergence needs at least one whole window of " +
                    std::to_string(windows.seqlen) + " tokens");
    const auto start = std::chrono::steady_clock::now();
    KlAccumulator acc(vocab);
    for (std::int64_t w = 0; w < windows.count; ++w) {
        reportProgress(progress, {"kl divergence", w, windows.count, {}});
        const std::vector<std::int32_t> ids = windows.range(w, 1);
        const std::vector<float> a = reference.logits(ids);
        const std::vector<float> b = model.logits(ids);
        for (std::int64_t t = 0; t + 1 < windows.seqlen; ++t) {
            try {
                acc.addPosition(a.data() + t * vocab, b.data() + t * vocab,
                                ids[static_cast<std::size_t>(t + 1)]);
            } catch (const Error &e) {
                throw Error(std::string(e.what()) + " in window " + std::to_string(w));
            }
        }
        acc.endWindow();
    }
    reportProgress(progress, {"kl divergence", windows.count, windows.count, {}});
    KlDivergenceResult r;
    r.stats = acc.finish(windows.seqlen);
    r.stats.memoryBytes += 2 * windows.seqlen * vocab * std::int64_t(sizeof(float));
    r.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.windows = r.stats.windows;
    r.positions = r.stats.positions;
    r.meanKl = r.stats.klMean.value;
    r.maxKl = r.stats.klMax;
    r.top1Agreement = r.stats.top1Agreement.value;
    r.pplReference = r.stats.pplReference.value;
    r.pplModel = r.stats.pplModel.value;
    r.seconds = r.stats.seconds;
    return r;
}

} // namespace lieq
