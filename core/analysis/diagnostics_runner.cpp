#include "core/analysis/diagnostics_runner.h"

#include "core/analysis/layer_spectra_impl.h"
#include "core/model/decode_threads.h"
#include "core/model/decoder_impl.h"
#include "core/model/model.h"
#include "core/util/error.h"
#include "core/util/thread_pool.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <memory>

namespace lieq::analysis {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t)
{
    return std::chrono::duration<double>(Clock::now() - t).count();
}

std::int64_t defaultCacheBudget()
{
    const long pages = ::sysconf(_SC_PHYS_PAGES), pageSize = ::sysconf(_SC_PAGESIZE);
    const std::int64_t phys = pages > 0 && pageSize > 0 ? std::int64_t(pages) * pageSize : (8ll << 30);
    return phys / 4;
}

torch::Tensor idsTensor(const CalibrationSet &c)
{
    torch::Tensor t = torch::empty({c.samples, c.seqlen}, torch::kLong);
    std::int64_t *p = t.data_ptr<std::int64_t>();
    for (std::size_t i = 0; i < c.ids.size(); ++i)
        p[i] = c.ids[i];
    return t;
}

// exp(mean NLL) over all predicted tokens of all windows.
double perplexity(Decoder &dec, const torch::Tensor &hidden, const torch::Tensor &ids)
{
    const torch::Tensor nll = dec.tokenNll(hidden, ids).to(torch::kCPU, torch::kDouble);
    const double mean = nll.sum().item<double>() / static_cast<double>(nll.numel());
    if (!std::isfinite(mean))
        throw Error("diagnostics: non-finite loss (weights or inputs broken)");
    return std::exp(mean);
}

// The dPPL pass when every skipped layer's input is cached and the weights are resident: the L
// chains "layer l's input through layers l+1.. and the head" are independent, so each runs as
// one task on one thread (DecodeStepScope(false): no split inside), the longest first, taken by
// the pool's threads in turn. A thread slowed by another process takes fewer chains, and no
// product pays a split's fork/join or repeated packing (with one core busy the per-product
// splits gained nothing over one thread). Progress, cancellation and the per-layer results are
// handled on the calling thread only: between its own layer evaluations it reports and delivers
// the finished chains in layer order; the others stop at their next layer when it cancels.
void skipChainsSideBySide(Decoder &dec, const torch::Tensor &ids, std::vector<torch::Tensor> &cache,
                          DiagnosticsResult &res, const LayerResultFn &onLayer,
                          const ProgressFn &progress)
{
    const int L = res.numLayers;
    const std::int64_t total = std::int64_t(L) * (L - 1) / 2;
    std::vector<double> skipped(static_cast<std::size_t>(L), kNaN);
    std::unique_ptr<std::atomic<bool>[]> finished(new std::atomic<bool>[static_cast<std::size_t>(L)]);
    for (int l = 0; l < L; ++l)
        finished[static_cast<std::size_t>(l)] = false;
    std::atomic<std::int64_t> done{0};
    std::atomic<bool> stop{false};
    int delivered = 0; // the calling thread's
    const auto deliverFinished = [&] {
        for (; delivered < L && finished[static_cast<std::size_t>(delivered)].load(std::memory_order_acquire);
             ++delivered) {
            // A cancel asked for in the previous layer's callback stops before the next one.
            reportProgress(progress, {"dppl", done.load(), total,
                                      "skip " + std::to_string(delivered + 1) + "/" +
                                          std::to_string(L) + ": done"});
            LayerDiagnostics &dst = res.layers[static_cast<std::size_t>(delivered)];
            dst.pplSkipped = skipped[static_cast<std::size_t>(delivered)];
            dst.dppl = dst.pplSkipped - res.pplBase;
            if (onLayer)
                onLayer(DiagnosticsStage::Dppl, dst);
        }
    };
    const auto chain = [&](std::int64_t li) {
        const int l = static_cast<int>(li);
        const DecodeStepScope oneThread(false);
        const bool onCaller = onCallingThread();
        const std::string skip = "skip " + std::to_string(l + 1) + "/" + std::to_string(L);
        torch::Tensor y = l == 0 ? dec.embed(ids) : std::move(cache[static_cast<std::size_t>(l)]);
        for (int j = l + 1; j < L; ++j) {
            if (onCaller) {
                deliverFinished();
                reportProgress(progress, {"dppl", done.load(), total,
                                          skip + ": layer " + std::to_string(j + 1)});
            }
            if (stop.load(std::memory_order_relaxed))
                return;
            y = dec.runLayer(j, y, 0);
            done.fetch_add(1);
        }
        if (onCaller)
            reportProgress(progress, {"dppl", done.load(), total, skip + ": head"});
        skipped[static_cast<std::size_t>(l)] = perplexity(dec, y, ids);
        finished[static_cast<std::size_t>(l)].store(true, std::memory_order_release);
    };
    SideBySideOptions options;
    options.stop = &stop;
    runSideBySide(L, chain, options);
    deliverFinished();
    res.cost.layerEvaluations += total;
    res.cost.headEvaluations += L;
}

} // namespace

DiagnosticsResult runDiagnostics(Model &model, const CalibrationSet &calibration,
                                 const DiagnosticsSettings &settings, const LayerResultFn &onLayer,
                                 const ProgressFn &progress)
{
    torch::NoGradGuard noGrad;
    const auto start = Clock::now();
    if (!settings.dppl && !settings.spectral())
        throw Error("diagnostics: no metric selected");
    if (calibration.samples < 1 || calibration.seqlen < 2 ||
        calibration.ids.size() != static_cast<std::size_t>(calibration.samples * calibration.seqlen))
        throw Error(calibration.info.path, "calibration windows are empty or inconsistent");
    if (!(settings.topKFrac > 0 && settings.topKFrac <= 1))
        throw Error("diagnostics: top-k fraction must be in (0, 1], got " +
                    std::to_string(settings.topKFrac));

    Decoder &dec = model.decoder();
    const ModelConfig &cfg = model.config();
    const int L = dec.numLayers();
    DiagnosticsResult res;
    res.calibration = calibration.info;
    res.settings = settings;
    res.initStd = settings.initStd > 0 ? settings.initStd : cfg.initializerRange;
    res.variant = settings.variant();
    res.numLayers = L;
    res.device = dec.device().str();
    res.layers.resize(static_cast<std::size_t>(L));
    for (int l = 0; l < L; ++l)
        res.layers[static_cast<std::size_t>(l)].layer = l;
    if (!(res.initStd > 0))
        throw Error(model.dir() + "/config.json", "initializer_range must be positive for the "
                                                  "random reference weights");

    const torch::Tensor ids = idsTensor(calibration);
    const bool cpu = dec.device().is_cpu();
    const std::int64_t layerBytes = calibration.samples * calibration.seqlen * cfg.hiddenSize * 4;
    const std::int64_t budget =
        settings.cacheBudgetBytes >= 0 ? settings.cacheBudgetBytes : defaultCacheBudget();
    // Layer 0's input is the embedding (recomputed for free); layers 1..cached are kept.
    const int cached = settings.dppl
        ? static_cast<int>(std::min<std::int64_t>(L - 1, budget / std::max<std::int64_t>(1, layerBytes)))
        : 0;
    res.cost.cachedLayers = cached;
    res.cost.cachedBytes = cached * layerBytes;
    std::vector<torch::Tensor> cache(static_cast<std::size_t>(L));

    // Pass 1: baseline with captures and cache.
    LayerSpectra spectra(settings, res.initStd, cfg.headDim);
    CaptureFn capture;
    if (settings.spectral())
        capture = [&spectra](int, Projection p, const torch::Tensor &input) {
            spectra.capture(p, input);
        };
    torch::Tensor x = dec.embed(ids);
    for (int l = 0; l < L; ++l) {
        const std::string where = "layer " + std::to_string(l + 1) + "/" + std::to_string(L);
        reportProgress(progress, {"baseline", l, L, where});
        if (l >= 1 && l <= cached)
            cache[static_cast<std::size_t>(l)] = cpu ? x : x.to(torch::kCPU);
        x = dec.runLayer(l, x, 0, capture);
        ++res.cost.layerEvaluations;
        if (settings.spectral()) {
            const auto ts = Clock::now();
            const auto weights = dec.acquireLayer(l);
            LayerDiagnostics ld = spectra.compute(l, *weights, [&](const std::string &proj) {
                reportProgress(progress, {"baseline", l, L, where + " " + proj});
            });
            spectra.clear();
            res.timings.spectralSeconds += secondsSince(ts);
            LayerDiagnostics &dst = res.layers[static_cast<std::size_t>(l)];
            dst.dr = ld.dr;
            dst.dE = ld.dE;
            dst.compactTrained = ld.compactTrained;
            dst.compactRandom = ld.compactRandom;
            dst.projections = std::move(ld.projections);
            dst.heads = std::move(ld.heads);
            if (onLayer)
                onLayer(DiagnosticsStage::Spectral, dst);
        }
        dec.releaseLayer(l);
    }
    reportProgress(progress, {"baseline", L, L, "head"});
    res.pplBase = perplexity(dec, x, ids);
    ++res.cost.headEvaluations;
    x = torch::Tensor();
    res.timings.baselineSeconds = secondsSince(start) - res.timings.spectralSeconds;

    // Pass 2: dPPL from cached (or recomputed) layer inputs.
    if (settings.dppl) {
        const auto td = Clock::now();
        const std::int64_t total = std::int64_t(L) * (L - 1) / 2 + (L - 1 - cached);
        if (cpu && dec.resident() && cached == L - 1 && ThreadPool::global().threads() > 1) {
            skipChainsSideBySide(dec, ids, cache, res, onLayer, progress);
        } else {
            std::int64_t done = 0;
            torch::Tensor prev;
            for (int l = 0; l < L; ++l) {
                const std::string skip = "skip " + std::to_string(l + 1) + "/" + std::to_string(L);
                torch::Tensor xl;
                if (l == 0) {
                    xl = dec.embed(ids);
                } else if (cache[static_cast<std::size_t>(l)].defined()) {
                    xl = cache[static_cast<std::size_t>(l)].to(dec.device());
                    cache[static_cast<std::size_t>(l)] = torch::Tensor();
                } else {
                    reportProgress(progress, {"dppl", done, total, skip + ": recompute input"});
                    xl = dec.runLayer(l - 1, prev, 0);
                    dec.releaseLayer(l - 1);
                    ++res.cost.layerEvaluations;
                    ++res.cost.recomputedLayers;
                    ++done;
                }
                torch::Tensor y = xl;
                for (int j = l + 1; j < L; ++j) {
                    reportProgress(progress, {"dppl", done, total,
                                              skip + ": layer " + std::to_string(j + 1)});
                    y = dec.runLayer(j, y, 0);
                    dec.releaseLayer(j);
                    ++res.cost.layerEvaluations;
                    ++done;
                }
                reportProgress(progress, {"dppl", done, total, skip + ": head"});
                LayerDiagnostics &dst = res.layers[static_cast<std::size_t>(l)];
                dst.pplSkipped = perplexity(dec, y, ids);
                dst.dppl = dst.pplSkipped - res.pplBase;
                ++res.cost.headEvaluations;
                if (onLayer)
                    onLayer(DiagnosticsStage::Dppl, dst);
                prev = xl;
            }
        }
        reportProgress(progress, {"dppl", total, total, {}});
        res.timings.dpplSeconds = secondsSince(td);

        res.cost.naiveLayerEvaluations = std::int64_t(L) + std::int64_t(L) * (L - 1);
        res.cost.naiveHeadEvaluations = L + 1;
        // Per-token multiply-adds: linears (+ attention scores/values at the mean context
        // T/2) per layer, hidden x vocab for the head.
        const double T = static_cast<double>(calibration.seqlen);
        const double layerMacs = static_cast<double>(cfg.layerLinearParams()) +
                                 2.0 * (T / 2) * static_cast<double>(cfg.numHeads * cfg.headDim);
        const double headMacs = static_cast<double>(cfg.hiddenSize * cfg.vocabSize);
        res.cost.dpplCostRatio =
            (res.cost.layerEvaluations * layerMacs + res.cost.headEvaluations * headMacs) /
            (res.cost.naiveLayerEvaluations * layerMacs + res.cost.naiveHeadEvaluations * headMacs);
    }
    res.timings.totalSeconds = secondsSince(start);
    return res;
}

std::vector<double> naiveLayerPerplexities(Model &model, const CalibrationSet &calibration,
                                           const ProgressFn &progress)
{
    const int L = static_cast<int>(model.config().numLayers);
    const double tokens = static_cast<double>(calibration.samples * (calibration.seqlen - 1));
    std::vector<double> ppl;
    for (int s = -1; s < L; ++s) {
        reportProgress(progress, {"naive dppl", s + 1, L + 1, {}});
        std::vector<int> skip;
        if (s >= 0)
            skip.push_back(s);
        const std::vector<double> nll = model.windowNll(calibration.ids, calibration.seqlen, skip);
        double sum = 0;
        for (double v : nll)
            sum += v;
        ppl.push_back(std::exp(sum / tokens));
    }
    return ppl;
}

} // namespace lieq::analysis
