#include "core/analysis/layer_spectra_impl.h"

#include "core/analysis/spectral.h"
#include "core/model/layer_weights_impl.h"
#include "core/util/error.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

namespace lieq::analysis {

namespace {

// The captured input a projection reads: one per fused group (q/k/v and gate/up share one).
std::size_t inputOf(Projection p) { return static_cast<std::size_t>(fusedGroupOf(p)); }

bool isQkv(Projection p) { return fusedGroupOf(p) == FusedGroup::Qkv; }

std::uint64_t splitMix(std::uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

// Mean of the finite values (a dead projection gives NaN and is left out), NaN if none.
double finiteMean(const std::vector<double> &v)
{
    double sum = 0;
    int n = 0;
    for (double x : v)
        if (std::isfinite(x)) {
            sum += x;
            ++n;
        }
    return n ? sum / n : kNaN;
}

} // namespace

LayerSpectra::LayerSpectra(const DiagnosticsSettings &settings, double initStd,
                           std::int64_t headDim)
    : m_settings(settings), m_initStd(initStd), m_headDim(headDim)
{
}

void LayerSpectra::capture(Projection p, const torch::Tensor &input)
{
    CapturedInput &slot = m_inputs[inputOf(p)];
    if (!slot.defined()) // q/k/v (and gate/up) receive the same tensor
        slot = CapturedInput(input);
}

void LayerSpectra::clear()
{
    for (CapturedInput &c : m_inputs)
        c.release();
}

torch::Tensor LayerSpectra::randomWeight(int layer, Projection p, std::int64_t out,
                                         std::int64_t in) const
{
    // One stream per (seed, layer, projection): a layer's W~ does not depend on which other
    // layers or metrics ran before it.
    const std::uint64_t seed =
        splitMix(splitMix(splitMix(m_settings.initSeed) ^ static_cast<std::uint64_t>(layer)) ^
                 static_cast<std::uint64_t>(p));
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    return torch::randn({out, in}, gen, torch::kFloat32).mul_(m_initStd);
}

ProjectionDiagnostics LayerSpectra::metrics(int layer, Projection p, int head,
                                            const EnergyPair &e) const
{
    ProjectionDiagnostics d;
    d.layer = layer;
    d.projection = std::string(projectionName(p));
    d.head = head;
    d.rank = static_cast<std::int64_t>(e.trained.size());
    d.k = topKFor(d.rank, m_settings.topKFrac);
    d.route = e.route;
    SpectralMetrics t, r;
    try {
        t = spectralMetricsFromEnergies(e.trained, static_cast<std::size_t>(d.k));
        r = spectralMetricsFromEnergies(e.random, static_cast<std::size_t>(d.k));
    } catch (const Error &) {
        return d; // an all-zero Z (pruned or dead projection): metrics undefined, left NaN
    }
    if (m_settings.compact) {
        d.compactTrained = t.effectiveRank;
        d.compactRandom = r.effectiveRank;
        d.dr = (r.effectiveRank - t.effectiveRank) / r.effectiveRank;
    }
    if (m_settings.energy) {
        d.energyTrained = t.topKEnergy;
        d.energyRandom = r.topKEnergy;
        d.dE = t.topKEnergy - r.topKEnergy;
    }
    return d;
}

LayerDiagnostics LayerSpectra::compute(int layer, const LayerWeights &weights,
                                       const std::function<void(const std::string &)> &checkCancel)
{
    torch::NoGradGuard noGrad;
    LayerDiagnostics out;
    out.layer = layer;
    for (FusedGroup g : kAllFusedGroups) {
        CapturedInput &input = m_inputs[static_cast<std::size_t>(g)];
        if (!input.defined())
            throw Error("layer " + std::to_string(layer) +
                        ": a projection input was not captured (decoder did not run it)");
        std::vector<std::int64_t> outs;
        for (Projection p : fusedGroupMembers(g))
            outs.push_back(weights.linear(p).outFeatures());
        input.planFor(outs);
    }

    std::vector<double> drScores, dEScores, compactT, compactR;
    for (std::size_t i = 0; i < kAllProjections.size(); ++i) {
        const Projection p = kAllProjections[i];
        if (checkCancel)
            checkCancel(std::string(projectionName(p)));
        CapturedInput &input = m_inputs[inputOf(p)];
        const torch::Tensor w = weights.linear(p).denseWeight();
        const torch::Tensor wr = randomWeight(layer, p, w.size(0), w.size(1));
        const ProjectionDiagnostics whole = metrics(layer, p, -1, input.energies(w, wr));
        out.projections.push_back(whole);
        compactT.push_back(whole.compactTrained);
        compactR.push_back(whole.compactRandom);

        double drScore = whole.dr, dEScore = whole.dE;
        if (m_settings.perHead && isQkv(p) && m_headDim > 0 && w.size(0) % m_headDim == 0) {
            std::vector<double> headDr, headDE;
            for (std::int64_t h = 0; h < w.size(0) / m_headDim; ++h) {
                const std::int64_t a = h * m_headDim, b = a + m_headDim;
                const ProjectionDiagnostics hd = metrics(
                    layer, p, static_cast<int>(h), input.energies(w.slice(0, a, b), wr.slice(0, a, b)));
                headDr.push_back(hd.dr);
                headDE.push_back(hd.dE);
                out.heads.push_back(hd);
            }
            drScore = finiteMean(headDr);
            dEScore = finiteMean(headDE);
        }
        drScores.push_back(drScore);
        dEScores.push_back(dEScore);
        // Free each input as soon as its last projection is done (down's is the largest).
        const bool lastOfGroup = i + 1 == kAllProjections.size() ||
                                 fusedGroupOf(kAllProjections[i + 1]) != fusedGroupOf(p);
        if (lastOfGroup)
            input.release();
    }
    out.dr = finiteMean(drScores);
    out.dE = finiteMean(dEScores);
    out.compactTrained = finiteMean(compactT);
    out.compactRandom = finiteMean(compactR);
    return out;
}

} // namespace lieq::analysis
