#include "core/sensitivity/measure_pass.h"

#include "core/alloc/bit_plan.h"
#include "core/model/decoder_impl.h"
#include "core/model/model.h"
#include "core/quant/pipeline_impl.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>

namespace lieq::sensitivity {

namespace {

using Clock = std::chrono::steady_clock;
using Ops = std::array<std::shared_ptr<const LinearOp>, 7>;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

torch::Tensor idsOf(const TokenWindows &b)
{
    torch::Tensor t = torch::empty({b.count, b.seqlen}, torch::kLong);
    std::copy(b.ids.begin(), b.ids.end(), t.data_ptr<std::int64_t>());
    return t;
}

void checkBatch(const TokenWindows &b, const char *what)
{
    if (b.count < 1 || b.seqlen < 2 || std::int64_t(b.ids.size()) != b.count * b.seqlen)
        throw Error(std::string("measure pass: the ") + what +
                    " windows must be at least one window of 2 or more tokens (count x seqlen ids)");
}

// Restores the FP model whatever happens (the pass overrides linears as it goes).
struct OverrideGuard
{
    Decoder &dec;
    ~OverrideGuard() { dec.clearLinearOverrides(); }
};

// KL(P_FP || P) on the probe windows from the FP log-probabilities (cached, or recomputed from
// the FP final hidden states one window at a time).
class ProbeReference
{
public:
    ProbeReference(Decoder &dec, torch::Tensor finalHidden, std::int64_t cacheBytes,
                   MeasureCost &cost)
        : m_dec(dec), m_final(std::move(finalHidden)), m_cost(cost)
    {
        const std::int64_t P = m_final.size(0), T = m_final.size(1);
        const std::int64_t bytes = P * (T - 1) * dec.config().vocabSize * 4;
        if (bytes <= cacheBytes) {
            m_cached = torch::empty({P, T - 1, dec.config().vocabSize}, torch::kFloat);
            for (std::int64_t w = 0; w < P; ++w)
                m_cached[w].copy_(logProbs(m_final.slice(0, w, w + 1)).to(torch::kFloat));
            m_cost.referenceCached = true;
            m_cost.referenceBytes = bytes;
            ++m_cost.headEvaluations;
        }
    }

    // Mean KL per predicted position and the top-1 agreement.
    std::pair<double, double> compare(const torch::Tensor &hidden)
    {
        const std::int64_t P = hidden.size(0);
        double kl = 0, same = 0, n = 0;
        for (std::int64_t w = 0; w < P; ++w) {
            const torch::Tensor lq = logProbs(hidden.slice(0, w, w + 1));
            const torch::Tensor lp = m_cached.defined()
                                         ? m_cached[w].to(torch::kDouble)
                                         : logProbs(m_final.slice(0, w, w + 1));
            kl += (lp.exp() * (lp - lq)).sum(-1).clamp_min(0).sum().item<double>();
            same += lp.argmax(-1).eq(lq.argmax(-1)).sum().item<double>();
            n += double(lp.size(0));
        }
        m_cost.headEvaluations += m_cached.defined() ? 1 : 2;
        if (!std::isfinite(kl))
            throw Error("measure pass: non-finite KL divergence (weights or inputs broken)");
        return {kl / n, same / n};
    }

private:
    // [T-1, vocab] log-probabilities (fp64) of one window's predicting positions.
    torch::Tensor logProbs(const torch::Tensor &hidden)
    {
        const std::int64_t T = hidden.size(1);
        return torch::log_softmax(m_dec.logits(hidden.slice(1, 0, T - 1))[0].to(torch::kCPU,
                                                                               torch::kDouble),
                                  -1);
    }

    Decoder &m_dec;
    torch::Tensor m_final;
    torch::Tensor m_cached;
    MeasureCost &m_cost;
};

} // namespace

std::string MeasureSettings::json() const
{
    nlohmann::json j{{"kind", "measure"},
                     {"low_bits", lowBits},
                     {"high_bits", highBits},
                     {"isolated", isolated},
                     {"gains", gains},
                     {"backend", nlohmann::json::parse(backend.json())},
                     {"measure_version", 1}};
    return j.dump();
}

std::vector<double> MeasureResult::klLow() const
{
    std::vector<double> v;
    for (const LayerSensitivity &l : layers)
        v.push_back(l.klLow);
    return v;
}

std::vector<double> MeasureResult::gains() const
{
    std::vector<double> v;
    for (const LayerSensitivity &l : layers)
        v.push_back(l.gain);
    return v;
}

MeasureResult runMeasurePass(Model &model, const TokenWindows &calibration,
                             const TokenWindows &probe, const MeasureSettings &settings,
                             const MeasureLayerFn &onLayer, const ProgressFn &progress)
{
    torch::NoGradGuard noGrad;
    const auto start = Clock::now();
    checkBatch(calibration, "calibration");
    checkBatch(probe, "probe");
    if (!alloc::isQuantBits(settings.lowBits) || !alloc::isQuantBits(settings.highBits) ||
        settings.lowBits >= settings.highBits)
        throw Error("measure pass: low and high bits must be two of 2, 3, 4, 8 with low < high "
                    "(got " + std::to_string(settings.lowBits) + " and " +
                    std::to_string(settings.highBits) + ")");
    if (!settings.isolated && !settings.gains)
        throw Error("measure pass: nothing to measure (neither isolated sensitivity nor gains)");

    Decoder &dec = model.decoder();
    OverrideGuard guard{dec};
    const int L = dec.numLayers();
    MeasureResult res;
    res.settings = settings;
    res.calibrationWindows = calibration.count;
    res.probeWindows = probe.count;
    res.seqlen = probe.seqlen;
    res.device = dec.device().str();
    res.layers.resize(static_cast<std::size_t>(L));
    for (int l = 0; l < L; ++l)
        res.layers[std::size_t(l)].layer = l;
    MeasureCost &cost = res.cost;

    const std::int64_t total = (settings.isolated ? 2 * L : 0) + (settings.gains ? 3 * L + 1 : 0);
    std::int64_t done = 0;
    std::string where;
    const ProgressFn inner = [&](const Progress &) {
        return !progress || progress({"measure", done, total, where});
    };
    auto step = [&](const std::string &w) {
        where = w;
        reportProgress(progress, {"measure", done, total, where});
    };

    // One FP forward over both window sets: timed (the unit of the cost), FP probe inputs of
    // every layer kept, FP reference log-probabilities from the final states.
    const torch::Tensor calibIds = idsOf(calibration), probeIds = idsOf(probe);
    std::vector<torch::Tensor> fpInputs(static_cast<std::size_t>(L));
    std::vector<Ops> fpOps(static_cast<std::size_t>(L));
    const auto tf = Clock::now();
    {
        torch::Tensor hc = dec.embed(calibIds);
        for (int l = 0; l < L; ++l)
            hc = dec.runLayer(l, hc, 0);
    }
    torch::Tensor hp = dec.embed(probeIds);
    for (int l = 0; l < L; ++l) {
        fpInputs[std::size_t(l)] = hp;
        fpOps[std::size_t(l)] = dec.acquireLayer(l)->linears;
        hp = dec.runLayer(l, hp, 0);
        dec.releaseLayer(l);
    }
    ProbeReference reference(dec, hp, settings.referenceCacheBytes, cost);
    cost.forwardSeconds = since(tf);
    cost.calibrationLayerForwards += L;
    cost.probeLayerForwards += L;
    cost.cachedInputBytes = std::int64_t(L) * hp.numel() * 4 * (settings.gains ? 2 : 1);

    PipelineObserver observer;
    PipelineContext ctx{dec, settings.backend, inner, observer, {}, 0, 7 * L};
    ctx.cacheDense = true; // the quantized layers are evaluated many times
    auto quantizeLayer = [&](int l, const torch::Tensor &hidden, int bits) {
        std::array<int, 7> b;
        b.fill(bits);
        const std::int64_t before = ctx.result.layerForwards;
        if (settings.backend.method == QuantMethod::Awq)
            quantizeLayerAwq(ctx, l, hidden, b);
        else
            quantizeLayerSequential(ctx, l, hidden, b);
        cost.calibrationLayerForwards += ctx.result.layerForwards - before;
        ++cost.layerQuantizations;
        ++done;
        return Ops(dec.acquireLayer(l)->linears);
    };
    auto install = [&](int l, const Ops &ops) {
        for (Projection p : kAllProjections)
            dec.setLinear(l, p, ops[std::size_t(p)]);
    };
    // KL of the model as installed, from `input` entering layer `first`.
    auto measureFrom = [&](int first, torch::Tensor y) {
        for (int j = first; j < L; ++j) {
            y = dec.runLayer(j, y, 0);
            dec.releaseLayer(j);
            ++cost.probeLayerForwards;
        }
        const auto r = reference.compare(y);
        ++done;
        return r;
    };

    if (settings.isolated) {
        torch::Tensor hc = dec.embed(calibIds);
        for (int l = 0; l < L; ++l) {
            LayerSensitivity &ls = res.layers[std::size_t(l)];
            step("layer " + std::to_string(l + 1) + "/" + std::to_string(L) + " alone at " +
                 std::to_string(settings.lowBits) + " bits");
            quantizeLayer(l, hc, settings.lowBits);
            std::tie(ls.klLow, ls.top1Low) = measureFrom(l, fpInputs[std::size_t(l)]);
            install(l, fpOps[std::size_t(l)]);
            if (l + 1 < L) {
                hc = dec.runLayer(l, hc, 0);
                ++cost.calibrationLayerForwards;
            }
            dec.releaseLayer(l);
            if (onLayer)
                onLayer("isolated", ls);
        }
    }

    if (settings.gains) {
        std::vector<Ops> highOps(static_cast<std::size_t>(L)), lowOps(static_cast<std::size_t>(L));
        std::vector<torch::Tensor> lowInputs(static_cast<std::size_t>(L));
        torch::Tensor hc = dec.embed(calibIds), y = dec.embed(probeIds);
        for (int l = 0; l < L; ++l) {
            const std::string layer = "layer " + std::to_string(l + 1) + "/" + std::to_string(L);
            torch::Tensor floatOut;
            if (!settings.backend.propagateQuantized) {
                install(l, fpOps[std::size_t(l)]);
                floatOut = dec.runLayer(l, hc, 0);
                ++cost.calibrationLayerForwards;
            }
            step(layer + " at " + std::to_string(settings.highBits) + " bits");
            highOps[std::size_t(l)] = quantizeLayer(l, hc, settings.highBits);
            install(l, fpOps[std::size_t(l)]);
            step(layer + " at " + std::to_string(settings.lowBits) + " bits");
            lowOps[std::size_t(l)] = quantizeLayer(l, hc, settings.lowBits);
            lowInputs[std::size_t(l)] = y;
            y = dec.runLayer(l, y, 0);
            ++cost.probeLayerForwards;
            if (l + 1 < L) {
                hc = settings.backend.propagateQuantized ? dec.runLayer(l, hc, 0) : floatOut;
                cost.calibrationLayerForwards += settings.backend.propagateQuantized ? 1 : 0;
            }
            dec.releaseLayer(l);
        }
        step("all layers at " + std::to_string(settings.lowBits) + " bits");
        std::tie(res.klAllLow, res.top1AllLow) = measureFrom(L, y);
        for (int l = 0; l < L; ++l) {
            LayerSensitivity &ls = res.layers[std::size_t(l)];
            step("layer " + std::to_string(l + 1) + "/" + std::to_string(L) + " raised");
            install(l, highOps[std::size_t(l)]);
            std::tie(ls.klRaised, ls.top1Raised) = measureFrom(l, lowInputs[std::size_t(l)]);
            ls.gain = res.klAllLow - ls.klRaised;
            install(l, lowOps[std::size_t(l)]);
            if (onLayer)
                onLayer("gain", ls);
        }
    }
    reportProgress(progress, {"measure", total, total, "done"});
    cost.seconds = since(start);
    cost.forwardMultiple = cost.forwardSeconds > 0 ? cost.seconds / cost.forwardSeconds : 0.0;
    return res;
}

} // namespace lieq::sensitivity
