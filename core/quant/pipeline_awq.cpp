// AWQ inside the sequential pipeline (AutoAWQ's per-layer order): capture the layer's float
// inputs once, search and fold the scales of the four pairs, clip, then RTN every module.
#include "core/quant/pipeline_impl.h"

#include "core/quant/awq_impl.h"
#include "core/quant/rtn.h"
#include "core/quant/scale_folding.h"
#include "core/quant/torch_bridge_impl.h"
#include "core/util/error.h"

#include <chrono>
#include <limits>

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

// One layer's AWQ in named steps; the state the steps share lives here.
class AwqLayer
{
public:
    AwqLayer(PipelineContext &ctx, int l, const std::array<int, 7> &bits)
        : m_ctx(ctx), m_dec(ctx.dec), m_s(ctx.settings), m_l(l), m_bits(bits)
    {
        m_alpha.fill(-1);
        m_searchError.fill(0);
    }

    // The layer's float inputs, once: statistics of each pair's input (for errors) and the
    // strided activations the searches use.
    void capture(const torch::Tensor &hidden)
    {
        m_ctx.moduleStart(m_l, Projection::Q);
        const auto tc = Clock::now();
        const auto layer = m_dec.acquireLayer(m_l);
        for (int g = 0; g < 4; ++g)
            m_hs[g] = std::make_unique<GptqHessian>(layer->linear(kFirstOf[g]).inFeatures());
        m_dec.runLayer(m_l, hidden, 0, [&](int layer_, Projection p, const torch::Tensor &x) {
            const int g = groupOf(p);
            if (layer_ != m_l || p != kFirstOf[g])
                return;
            m_hs[g]->addBatch(x);
            m_xs[g] = strideTokens(x, m_s.awqMaxTokens).to(torch::kCPU, torch::kFloat32).contiguous();
        });
        m_ctx.result.layerForwards++;
        m_captureSeconds = since(tc);
        m_ctx.result.captureSeconds += m_captureSeconds;
    }

    // Working copies of the weights; the originals stay as the error reference.
    void loadWeights()
    {
        const auto layer = m_dec.acquireLayer(m_l);
        for (Projection p : kAllProjections) {
            m_ref[idx(p)] = layer->linear(p).denseWeight().to(torch::kCPU, torch::kFloat32).contiguous();
            m_w[idx(p)] = m_ref[idx(p)].clone();
            const torch::Tensor b = layer->linear(p).bias();
            if (b.defined())
                m_bias[idx(p)] = b.to(torch::kCPU, torch::kFloat32).clone().contiguous();
        }
    }

    // Scale search and folding of the four pairs, in AutoAWQ's order.
    void scalePairs()
    {
        normPair(0, {Projection::Q, Projection::K, Projection::V});
        linearPair(1, Projection::V, Projection::O);
        normPair(2, {Projection::Gate, Projection::Up});
        linearPair(3, Projection::Up, Projection::Down);
    }

    // Clip, RTN and install every module (float ones only when they absorbed scales).
    void quantizeModules()
    {
        for (Projection p : kAllProjections) {
            m_ctx.moduleStart(m_l, p);
            const auto t0 = Clock::now();
            ModuleReport r;
            r.layer = m_l;
            r.module = moduleName(p);
            r.bits = m_bits[idx(p)];
            r.awqAlpha = m_alpha[idx(p)];
            r.backendLoss = m_searchError[idx(p)];
            if (!quantized(p)) {
                if (m_modified[idx(p)]) // a float module that absorbed the next module's scales
                    m_dec.setLinear(m_l, p, std::make_shared<DenseLinear>(m_w[idx(p)], m_bias[idx(p)]));
                r.kind = m_dec.acquireLayer(m_l)->linear(p).kind();
                m_ctx.moduleDone(std::move(r));
                continue;
            }
            quantizeModule(p, r);
            const double dt = since(t0);
            r.seconds = m_seconds[idx(p)] + dt + m_captureSeconds / 7.0;
            m_ctx.result.quantizeSeconds += dt + m_seconds[idx(p)];
            m_ctx.moduleDone(std::move(r));
        }
    }

private:
    static constexpr Projection kFirstOf[4] = {Projection::Q, Projection::O, Projection::Gate,
                                               Projection::Down};

    bool quantized(Projection p) const { return m_bits[idx(p)] != 16; }

    // Scale search for the quantized modules reading one input; returns s (empty: none).
    std::vector<float> search(int g, const std::vector<Projection> &members)
    {
        std::vector<torch::Tensor> ws;
        std::vector<Projection> qs;
        for (Projection p : members)
            if (quantized(p)) {
                ws.push_back(m_w[idx(p)]);
                qs.push_back(p);
            }
        if (qs.empty())
            return {};
        const auto t0 = Clock::now();
        AwqOptions ao;
        ao.quant = quantConfigFor(m_s, m_bits[idx(qs.front())]);
        ao.gridSize = m_s.awqGrid;
        ao.duoScaling = m_s.awqDuoScaling;
        ao.maxTokens = 0; // xs are already strided
        const AwqScaleResult r = awqSearchScales(m_xs[g], ws, ao, m_ctx.innerProgress(m_l, qs.front()));
        const double dt = since(t0);
        for (Projection p : qs) {
            m_alpha[idx(p)] = r.alpha;
            m_searchError[idx(p)] = r.error;
            m_seconds[idx(p)] += dt / double(qs.size());
        }
        return r.scales;
    }

    // Norm-fed pairs: the quantized members take W s, their ops divide the input by s.
    void normPair(int g, const std::vector<Projection> &members)
    {
        const std::vector<float> sc = search(g, members);
        if (sc.empty())
            return;
        for (Projection p : members)
            if (quantized(p)) {
                MatrixSpan span = spanOf(m_w[idx(p)]);
                scaleInputChannels(span, sc);
                m_normScale[idx(p)] = sc;
            }
        m_xs[g] = m_xs[g] / scaleTensor(sc);
    }

    // Linear-fed pairs: `next` takes W s, `prev` absorbs 1/s in its rows (and bias).
    void linearPair(int g, Projection prev, Projection next)
    {
        if (!quantized(next) || m_w[idx(prev)].size(0) != m_w[idx(next)].size(1))
            return; // GQA: v's outputs are not o's inputs one to one
        const std::vector<float> sc = search(g, {next});
        MatrixSpan nextSpan = spanOf(m_w[idx(next)]);
        scaleInputChannels(nextSpan, sc);
        MatrixSpan prevSpan = spanOf(m_w[idx(prev)]);
        if (m_bias[idx(prev)].defined())
            foldScalesIntoLinear(prevSpan, sc,
                                 {m_bias[idx(prev)].data_ptr<float>(),
                                  static_cast<std::size_t>(m_bias[idx(prev)].numel())});
        else
            foldScalesIntoLinear(prevSpan, sc);
        m_modified[idx(prev)] = true;
        m_rowScale[idx(prev)] = sc;
        m_foldScale[idx(next)] = sc;
        m_xs[g] = m_xs[g] / scaleTensor(sc);
    }

    void quantizeModule(Projection p, ModuleReport &r)
    {
        const QuantConfig qc = quantConfigFor(m_s, r.bits);
        // AutoAWQ skips the clip search for q and k: their errors meet in the scores.
        if (m_s.awqClip && p != Projection::Q && p != Projection::K) {
            AwqOptions ao;
            ao.quant = qc;
            const AwqClipResult clip = awqSearchClip(m_w[idx(p)], m_xs[groupOf(p)], ao);
            MatrixSpan span = spanOf(m_w[idx(p)]);
            applyAwqClip(span, clip);
        }
        auto q = makeQuantized(quantizeRtn(m_w[idx(p)], qc), m_bias[idx(p)], m_normScale[idx(p)],
                               m_ctx.cacheDense);
        // The error is measured on the module's own function in the original space: the scale
        // moved into the next module's columns is put back into this one's rows (without
        // that, up_proj's deliberate 1/s row scaling counted as quantization error).
        torch::Tensor effective = q->denseWeight();
        if (!m_foldScale[idx(p)].empty())
            effective = effective / scaleTensor(m_foldScale[idx(p)]).unsqueeze(0);
        if (!m_rowScale[idx(p)].empty())
            effective = effective * scaleTensor(m_rowScale[idx(p)]).unsqueeze(1);
        if (m_ctx.settings.wantsModuleErrors())
            outputErrors(effective, m_ref[idx(p)], *m_hs[groupOf(p)], r);
        else
            r.outputError = r.relativeError = std::numeric_limits<double>::quiet_NaN();
        r.kind = q->kind();
        m_dec.setLinear(m_l, p, q);
    }

    PipelineContext &m_ctx;
    Decoder &m_dec;
    const PipelineSettings &m_s;
    const int m_l;
    const std::array<int, 7> &m_bits;
    double m_captureSeconds = 0;
    std::array<std::unique_ptr<GptqHessian>, 4> m_hs; // per pair input: the error statistics
    std::array<torch::Tensor, 4> m_xs;                // per pair input: strided activations
    std::array<torch::Tensor, 7> m_w, m_ref, m_bias;
    // normScale: s of a norm-fed pair, held by the op (input divided by s); foldScale: s of a
    // linear-fed pair on the `next` side (columns times s); rowScale: the same s on the `prev`
    // side, whose output rows were divided by s so that `next` sees x / s.
    std::array<std::vector<float>, 7> m_normScale, m_foldScale, m_rowScale;
    std::array<double, 7> m_alpha{}, m_searchError{}, m_seconds{};
    std::array<bool, 7> m_modified{};
};

} // namespace

void quantizeLayerAwq(PipelineContext &ctx, int l, const torch::Tensor &hidden,
                      const std::array<int, 7> &bits)
{
    AwqLayer layer(ctx, l, bits);
    layer.capture(hidden);
    layer.loadWeights();
    layer.scalePairs();
    layer.quantizeModules();
}

} // namespace lieq
