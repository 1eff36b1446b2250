#include "core/eval/perplexity.h"

#include "core/data/token_windows.h"
#include "core/model/model.h"
#include "core/util/error.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace lieq {

PerplexityResult evaluatePerplexity(Model &model, const TokenWindows &windows,
                                    const PerplexityOptions &options, const ProgressFn &progress)
{
    if (windows.count <= 0)
        throw Error("perplexity needs at least one whole window of " +
                    std::to_string(windows.seqlen) + " tokens; the text has " +
                    std::to_string(windows.sourceTokens));
    const auto start = std::chrono::steady_clock::now();
    const std::int64_t batch = std::max<std::int64_t>(1, options.batch);
    PerplexityResult r;
    r.seqlen = windows.seqlen;
    r.windowNll.reserve(static_cast<std::size_t>(windows.count));
    const int layers = static_cast<int>(model.config().numLayers);
    for (std::int64_t first = 0; first < windows.count; first += batch) {
        const std::int64_t n = std::min(batch, windows.count - first);
        reportProgress(progress, {"perplexity", first, windows.count, {}});
        // Per-layer reports keep cancel responsive inside a long batch.
        ProgressFn inner;
        if (progress)
            inner = [&](const Progress &p) {
                return progress({"perplexity", first, windows.count,
                                 "layer " + std::to_string(p.done) + "/" +
                                     std::to_string(layers)});
            };
        const std::vector<double> nll =
            model.windowNll(windows.range(first, n), windows.seqlen, options.skipLayers, inner);
        for (double v : nll) {
            if (!std::isfinite(v))
                throw Error("perplexity: non-finite loss in window " +
                            std::to_string(r.windowNll.size()) + " (weights or inputs broken)");
            r.windowNll.push_back(v);
            r.nllSum += v;
        }
    }
    reportProgress(progress, {"perplexity", windows.count, windows.count, {}});
    r.windows = windows.count;
    r.tokens = windows.count * (windows.seqlen - 1);
    r.ppl = std::exp(r.nllSum / static_cast<double>(r.tokens));
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.tokensPerSecond =
        r.seconds > 0 ? static_cast<double>(windows.count * windows.seqlen) / r.seconds : 0;
    return r;
}

} // namespace lieq
