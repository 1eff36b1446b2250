#include "core/analysis/layer_spectra_impl.h"

#include "core/analysis/spectral.h"
#include "core/model/layer_weights_impl.h"
#include "core/util/error.h"
#include "core/util/thread_pool.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>

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

    // One task per projection and weight (W or W~): its Gram products and eigenproblems (and
    // its heads'), single-threaded, W~ drawn inside the task. The tasks are independent and
    // taken one at a time by the pool's threads, largest first, so a thread slowed by another
    // process just takes fewer of them, and no product pays a split's repeated packing or a
    // fork/join wait on a busy core (bench_threads analyze with one core busy: the products
    // split over two threads spent ~25% more CPU time than on one). Inputs' C or R are formed
    // before, on this thread (split over the pool). Each task computes the same values on any
    // thread, so results do not depend on the thread count.
    constexpr std::size_t kProjections = kAllProjections.size();
    struct Task
    {
        std::size_t projection;
        bool random;
        double cost;
    };
    struct Energies
    {
        std::vector<double> whole;
        std::vector<std::vector<double>> heads;
    };
    std::array<torch::Tensor, kProjections> dense;
    std::array<std::int64_t, kProjections> heads{};
    std::array<std::array<Energies, 2>, kProjections> energies;
    std::vector<Task> tasks;
    for (std::size_t i = 0; i < kProjections; ++i) {
        const Projection p = kAllProjections[i];
        CapturedInput &input = m_inputs[inputOf(p)];
        dense[i] = weights.linear(p).denseWeight();
        const std::int64_t rows = dense[i].size(0), cols = dense[i].size(1);
        input.prepareFor(rows);
        double cost = input.costOf(rows);
        if (m_settings.perHead && isQkv(p) && m_headDim > 0 && rows % m_headDim == 0) {
            heads[i] = rows / m_headDim;
            input.prepareFor(m_headDim);
            cost += static_cast<double>(heads[i]) * input.costOf(m_headDim);
        }
        tasks.push_back({i, false, cost});
        // Drawing W~ costs about as much as 30 multiply-adds an element.
        tasks.push_back({i, true, cost + 30.0 * static_cast<double>(rows * cols)});
    }
    std::stable_sort(tasks.begin(), tasks.end(),
                     [](const Task &a, const Task &b) { return a.cost > b.cost; });

    const auto runTask = [&](const Task &t) {
        const torch::NoGradGuard taskNoGrad; // per thread
        const Projection p = kAllProjections[t.projection];
        const CapturedInput &input = m_inputs[inputOf(p)];
        const torch::Tensor &w0 = dense[t.projection];
        const torch::Tensor w = t.random ? randomWeight(layer, p, w0.size(0), w0.size(1)) : w0;
        Energies &e = energies[t.projection][t.random ? 1 : 0];
        e.whole = input.energiesOf(w);
        for (std::int64_t h = 0; h < heads[t.projection]; ++h)
            e.heads.push_back(input.energiesOf(w.slice(0, h * m_headDim, (h + 1) * m_headDim)));
    };
    // Progress and cancellation run on the calling thread only: before each task it takes,
    // it reports every task started since its last report (the other threads' too), and the
    // rest once all are done, so each task is reported once at any thread count.
    std::size_t reported = 0; // the calling thread's
    const auto reportUpTo = [&](std::size_t end) {
        for (; checkCancel && reported < end; ++reported)
            checkCancel(std::string(projectionName(kAllProjections[tasks[reported].projection])));
    };
    SideBySideOptions options;
    options.beforeTask = [&](std::int64_t i) { reportUpTo(static_cast<std::size_t>(i) + 1); };
    options.useThreads = dense[0].device().is_cpu();
    std::optional<ThreadPool::SerialScope> serial;
    if (!options.useThreads)
        serial.emplace(); // a device's own queue does the work
    runSideBySide(
        static_cast<std::int64_t>(tasks.size()),
        [&](std::int64_t i) { runTask(tasks[static_cast<std::size_t>(i)]); }, options);
    reportUpTo(tasks.size());

    std::vector<double> drScores, dEScores, compactT, compactR;
    for (std::size_t i = 0; i < kProjections; ++i) {
        const Projection p = kAllProjections[i];
        const CapturedInput &input = m_inputs[inputOf(p)];
        auto &[trained, random] = energies[i];
        const ProjectionDiagnostics whole = metrics(
            layer, p, -1,
            EnergyPair{std::move(trained.whole), std::move(random.whole), input.routeFor(dense[i].size(0))});
        out.projections.push_back(whole);
        compactT.push_back(whole.compactTrained);
        compactR.push_back(whole.compactRandom);

        double drScore = whole.dr, dEScore = whole.dE;
        if (heads[i] > 0) {
            std::vector<double> headDr, headDE;
            for (std::int64_t h = 0; h < heads[i]; ++h) {
                const std::size_t hi = static_cast<std::size_t>(h);
                const ProjectionDiagnostics hd =
                    metrics(layer, p, static_cast<int>(h),
                            EnergyPair{std::move(trained.heads[hi]), std::move(random.heads[hi]),
                                       input.routeFor(m_headDim)});
                headDr.push_back(hd.dr);
                headDE.push_back(hd.dE);
                out.heads.push_back(hd);
            }
            drScore = finiteMean(headDr);
            dEScore = finiteMean(headDE);
        }
        drScores.push_back(drScore);
        dEScores.push_back(dEScore);
    }
    out.dr = finiteMean(drScores);
    out.dE = finiteMean(dEScores);
    out.compactTrained = finiteMean(compactT);
    out.compactRandom = finiteMean(compactR);
    return out;
}

} // namespace lieq::analysis
