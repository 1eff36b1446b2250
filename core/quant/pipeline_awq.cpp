// AWQ inside the sequential pipeline (AutoAWQ's per-layer order): capture the layer's float
// inputs once, search and fold the scales of the four pairs, clip, then RTN every module.
#include "core/quant/pipeline_impl.h"

#include "core/quant/awq_impl.h"
#include "core/quant/rtn.h"
#include "core/quant/scale_folding.h"
#include "core/quant/torch_bridge_impl.h"
#include "core/util/error.h"

#include <chrono>

namespace lieq {

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0)
{
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::size_t idx(Projection p) { return static_cast<std::size_t>(p); }

int groupOf(Projection p)
{
    switch (p) {
    case Projection::Q:
    case Projection::K:
    case Projection::V: return 0;
    case Projection::O: return 1;
    case Projection::Gate:
    case Projection::Up: return 2;
    case Projection::Down: return 3;
    }
    return 0;
}

torch::Tensor scaleTensor(const std::vector<float> &s)
{
    return torch::tensor(s, torch::kFloat32);
}

} // namespace

void quantizeLayerAwq(PipelineContext &ctx, int l, const torch::Tensor &hidden,
                      const std::array<int, 7> &bits)
{
    Decoder &dec = ctx.dec;
    const PipelineSettings &s = ctx.settings;
    auto quantized = [&](Projection p) { return bits[idx(p)] != 16; };
    const Projection firstOf[4] = {Projection::Q, Projection::O, Projection::Gate,
                                   Projection::Down};

    ctx.moduleStart(l, Projection::Q);
    const auto tc = Clock::now();
    const auto layer = dec.acquireLayer(l);
    std::array<std::unique_ptr<GptqHessian>, 4> hs;
    std::array<torch::Tensor, 4> xs;
    for (int g = 0; g < 4; ++g)
        hs[g] = std::make_unique<GptqHessian>(layer->linear(firstOf[g]).inFeatures());
    dec.runLayer(l, hidden, 0, [&](int layer_, Projection p, const torch::Tensor &x) {
        const int g = groupOf(p);
        if (layer_ != l || p != firstOf[g])
            return;
        hs[g]->addBatch(x);
        xs[g] = strideTokens(x, s.awqMaxTokens).to(torch::kCPU, torch::kFloat32).contiguous();
    });
    ctx.result.layerForwards++;
    const double captureSeconds = since(tc);
    ctx.result.captureSeconds += captureSeconds;

    // Working copies; the originals stay as the error reference.
    std::array<torch::Tensor, 7> w, ref, bias;
    // normScale: s of a norm-fed pair, held by the op (input divided by s); foldScale: s of a
    // linear-fed pair on the `next` side (columns times s); rowScale: the same s on the `prev`
    // side, whose output rows were divided by s so that `next` sees x / s.
    std::array<std::vector<float>, 7> normScale, foldScale, rowScale;
    std::array<double, 7> alpha, searchError, seconds{};
    alpha.fill(-1);
    searchError.fill(0);
    std::array<bool, 7> modified{};
    for (Projection p : kAllProjections) {
        ref[idx(p)] = layer->linear(p).denseWeight().to(torch::kCPU, torch::kFloat32).contiguous();
        w[idx(p)] = ref[idx(p)].clone();
        const torch::Tensor b = layer->linear(p).bias();
        if (b.defined())
            bias[idx(p)] = b.to(torch::kCPU, torch::kFloat32).clone().contiguous();
    }

    // Scale search for the quantized modules reading one input; returns s (empty: none).
    auto search = [&](int g, const std::vector<Projection> &members) -> std::vector<float> {
        std::vector<torch::Tensor> ws;
        std::vector<Projection> qs;
        for (Projection p : members)
            if (quantized(p)) {
                ws.push_back(w[idx(p)]);
                qs.push_back(p);
            }
        if (qs.empty())
            return {};
        const auto t0 = Clock::now();
        AwqOptions ao;
        ao.quant = quantConfigFor(s, bits[idx(qs.front())]);
        ao.gridSize = s.awqGrid;
        ao.duoScaling = s.awqDuoScaling;
        ao.maxTokens = 0; // xs are already strided
        const AwqScaleResult r = awqSearchScales(xs[g], ws, ao, ctx.innerProgress(l, qs.front()));
        const double dt = since(t0);
        for (Projection p : qs) {
            alpha[idx(p)] = r.alpha;
            searchError[idx(p)] = r.error;
            seconds[idx(p)] += dt / double(qs.size());
        }
        return r.scales;
    };
    // Norm-fed pairs: the quantized members take W s, their ops divide the input by s.
    auto normPair = [&](int g, const std::vector<Projection> &members) {
        const std::vector<float> sc = search(g, members);
        if (sc.empty())
            return;
        for (Projection p : members)
            if (quantized(p)) {
                MatrixSpan span = spanOf(w[idx(p)]);
                scaleInputChannels(span, sc);
                normScale[idx(p)] = sc;
            }
        xs[g] = xs[g] / scaleTensor(sc);
    };
    // Linear-fed pairs: `next` takes W s, `prev` absorbs 1/s in its rows (and bias).
    auto linearPair = [&](int g, Projection prev, Projection next) {
        if (!quantized(next) || w[idx(prev)].size(0) != w[idx(next)].size(1))
            return; // GQA: v's outputs are not o's inputs one to one
        const std::vector<float> sc = search(g, {next});
        MatrixSpan nextSpan = spanOf(w[idx(next)]);
        scaleInputChannels(nextSpan, sc);
        MatrixSpan prevSpan = spanOf(w[idx(prev)]);
        if (bias[idx(prev)].defined())
            foldScalesIntoLinear(prevSpan, sc,
                                 {bias[idx(prev)].data_ptr<float>(),
                                  static_cast<std::size_t>(bias[idx(prev)].numel())});
        else
            foldScalesIntoLinear(prevSpan, sc);
        modified[idx(prev)] = true;
        rowScale[idx(prev)] = sc;
        foldScale[idx(next)] = sc;
        xs[g] = xs[g] / scaleTensor(sc);
    };
    normPair(0, {Projection::Q, Projection::K, Projection::V});
    linearPair(1, Projection::V, Projection::O);
    normPair(2, {Projection::Gate, Projection::Up});
    linearPair(3, Projection::Up, Projection::Down);

    for (Projection p : kAllProjections) {
        ctx.moduleStart(l, p);
        const auto t0 = Clock::now();
        ModuleReport r;
        r.layer = l;
        r.module = moduleName(p);
        r.bits = bits[idx(p)];
        r.awqAlpha = alpha[idx(p)];
        r.backendLoss = searchError[idx(p)];
        if (!quantized(p)) {
            if (modified[idx(p)]) // a float module that absorbed the next module's scales
                dec.setLinear(l, p, std::make_shared<DenseLinear>(w[idx(p)], bias[idx(p)]));
            r.kind = dec.acquireLayer(l)->linear(p).kind();
            ctx.moduleDone(std::move(r));
            continue;
        }
        const QuantConfig qc = quantConfigFor(s, r.bits);
        // AutoAWQ skips the clip search for q and k: their errors meet in the scores.
        if (s.awqClip && p != Projection::Q && p != Projection::K) {
            AwqOptions ao;
            ao.quant = qc;
            const AwqClipResult clip = awqSearchClip(w[idx(p)], xs[groupOf(p)], ao);
            MatrixSpan span = spanOf(w[idx(p)]);
            applyAwqClip(span, clip);
        }
        auto q = makeQuantized(quantizeRtn(w[idx(p)], qc), bias[idx(p)], normScale[idx(p)],
                               ctx.cacheDense);
        // The error is measured on the module's own function in the original space: the scale
        // moved into the next module's columns is put back into this one's rows (without
        // that, up_proj's deliberate 1/s row scaling counted as quantization error).
        torch::Tensor effective = q->denseWeight();
        if (!foldScale[idx(p)].empty())
            effective = effective / scaleTensor(foldScale[idx(p)]).unsqueeze(0);
        if (!rowScale[idx(p)].empty())
            effective = effective * scaleTensor(rowScale[idx(p)]).unsqueeze(1);
        outputErrors(effective, ref[idx(p)], *hs[groupOf(p)], r);
        r.kind = q->kind();
        dec.setLinear(l, p, q);
        const double dt = since(t0);
        r.seconds = seconds[idx(p)] + dt + captureSeconds / 7.0;
        ctx.result.quantizeSeconds += dt + seconds[idx(p)];
        ctx.moduleDone(std::move(r));
    }
}

} // namespace lieq
