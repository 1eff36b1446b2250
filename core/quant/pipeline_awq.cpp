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
#include <span>

namespace lieq {

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0)
{
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::size_t idx(Projection p) { return static_cast<std::size_t>(p); }

// Per fused group (the projections reading one input): index into the per-input arrays.
std::size_t idx(FusedGroup g) { return static_cast<std::size_t>(g); }
std::size_t inputOf(Projection p) { return idx(fusedGroupOf(p)); }

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
        for (FusedGroup g : kAllFusedGroups)
            m_hs[idx(g)] =
                std::make_unique<GptqHessian>(layer->linear(fusedGroupMembers(g).front()).inFeatures());
        m_dec.runLayer(m_l, hidden, 0, [&](int layer_, Projection p, const torch::Tensor &x) {
            const std::size_t g = inputOf(p);
            if (layer_ != m_l || p != fusedGroupMembers(fusedGroupOf(p)).front())
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
        normPair(FusedGroup::Qkv);
        linearPair(Projection::V, Projection::O);
        normPair(FusedGroup::GateUp);
        linearPair(Projection::Up, Projection::Down);
    }

    // Clip, RTN and install every module (float ones only when they absorbed scales).
    void quantizeModules()
    {
        for (Projection p : kAllProjections) {
            m_ctx.moduleStart(m_l, p);
            const auto t0 = Clock::now();
            ModuleReport r = moduleReport(m_l, p, m_bits[idx(p)]);
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
    bool quantized(Projection p) const { return m_bits[idx(p)] != 16; }

    // Scale search for the quantized modules reading one input; returns s (empty: none).
    std::vector<float> search(std::span<const Projection> members)
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
        const AwqScaleResult r =
            awqSearchScales(m_xs[inputOf(qs.front())], ws, ao, m_ctx.innerProgress(m_l, qs.front()));
        const double dt = since(t0);
        for (Projection p : qs) {
            m_alpha[idx(p)] = r.alpha;
            m_searchError[idx(p)] = r.error;
            m_seconds[idx(p)] += dt / double(qs.size());
        }
        return r.scales;
    }

    // Norm-fed pairs: the quantized members take W s, their ops divide the input by s.
    void normPair(FusedGroup g)
    {
        const std::vector<float> sc = search(fusedGroupMembers(g));
        if (sc.empty())
            return;
        for (Projection p : fusedGroupMembers(g))
            if (quantized(p)) {
                MatrixSpan span = spanOf(m_w[idx(p)]);
                scaleInputChannels(span, sc);
                m_normScale[idx(p)] = sc;
            }
        m_xs[idx(g)] = m_xs[idx(g)] / scaleTensor(sc);
    }

    // Linear-fed pairs: `next` takes W s, `prev` absorbs 1/s in its rows (and bias).
    void linearPair(Projection prev, Projection next)
    {
        if (!quantized(next) || m_w[idx(prev)].size(0) != m_w[idx(next)].size(1))
            return; // GQA: v's outputs are not o's inputs one to one
        const std::vector<float> sc = search(std::span<const Projection>(&next, 1));
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
        m_xs[inputOf(next)] = m_xs[inputOf(next)] / scaleTensor(sc);
    }

    void quantizeModule(Projection p, ModuleReport &r)
    {
        const QuantConfig qc = quantConfigFor(m_s, r.bits);
        // AutoAWQ skips the clip search for q and k: their errors meet in the scores.
        if (m_s.awqClip && p != Projection::Q && p != Projection::K) {
            AwqOptions ao;
            ao.quant = qc;
            const AwqClipResult clip = awqSearchClip(m_w[idx(p)], m_xs[inputOf(p)], ao);
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
            outputErrors(effective, m_ref[idx(p)], *m_hs[inputOf(p)], r);
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
