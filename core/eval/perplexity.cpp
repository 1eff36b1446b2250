#include "core/eval/perplexity.h"

#include "core/data/token_windows.h"
#include "core/model/model.h"
#include "core/util/error.h"
#include "core/util/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>

namespace lieq {

namespace {

// Every batch's per-window NLL. Side by side (issue 10): the batches run as whole
// single-threaded tasks, since windows are independent, so no product pays a split's fork/join
// or packing, and a thread slowed by another process simply takes fewer batches; each batch
// runs exactly as on one thread, so the result is the one-thread result. Else one after
// another, each split over the pool's threads. Progress and cancel on the calling thread
// (before each batch it takes and per layer of its own batches); the other threads stop at
// their next layer.
std::vector<std::vector<double>> windowBatchesNll(Model &model, const TokenWindows &windows,
                                                  const PerplexityOptions &options,
                                                  std::int64_t batch, bool sideBySide,
                                                  const ProgressFn &progress)
{
    const int layers = static_cast<int>(model.config().numLayers);
    const std::int64_t batches = (windows.count + batch - 1) / batch;
    std::vector<std::vector<double>> out(static_cast<std::size_t>(batches));
    std::atomic<std::int64_t> finished{0}; // windows
    std::atomic<bool> stop{false};
    SideBySideOptions sbs;
    sbs.stop = &stop;
    sbs.useThreads = sideBySide;
    sbs.beforeTask = [&](std::int64_t) {
        reportProgress(progress, {"perplexity", finished.load(), windows.count, {}});
    };
    runSideBySide(batches, [&](std::int64_t b) {
        const std::int64_t first = b * batch, n = std::min(batch, windows.count - first);
        ProgressFn inner;
        if (!onCallingThread())
            inner = [&](const Progress &) { return !stop.load(std::memory_order_relaxed); };
        else if (progress)
            inner = [&](const Progress &p) {
                return progress({"perplexity", finished.load(), windows.count,
                                 "layer " + std::to_string(p.done) + "/" +
                                     std::to_string(layers)});
            };
        out[static_cast<std::size_t>(b)] =
            model.windowNll(windows.range(first, n), windows.seqlen, options.skipLayers, inner);
        finished.fetch_add(n);
    }, sbs);
    return out;
}

} // namespace

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
    const bool sideBySide = windows.count > batch && model.runsSideBySide();
    const std::vector<std::vector<double>> nll =
        windowBatchesNll(model, windows, options, batch, sideBySide, progress);
    for (const std::vector<double> &part : nll)
        for (double v : part) {
            if (!std::isfinite(v))
                throw Error("perplexity: non-finite loss in window " +
                            std::to_string(r.windowNll.size()) + " (weights or inputs broken)");
            r.windowNll.push_back(v);
            r.nllSum += v;
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
