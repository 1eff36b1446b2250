#include "core/alloc/plan_compare.h"

#include "core/util/error.h"

#include <algorithm>
#include <climits>
#include <cmath>

namespace lieq::alloc {

std::vector<LayerSpec> withScores(std::vector<LayerSpec> layers, const std::vector<double> &scores,
                                  const std::string &what)
{
    if (scores.size() != layers.size())
        throw Error(what + ": " + std::to_string(scores.size()) + " scores for " +
                    std::to_string(layers.size()) + " layers");
    for (std::size_t i = 0; i < layers.size(); ++i) {
        if (!std::isfinite(scores[i]))
            throw Error(what + ": layer " + std::to_string(layers[i].index) +
                        " has no finite score");
        layers[i].score = scores[i];
    }
    return layers;
}

std::vector<int> protectedLayers(const BitPlan &plan)
{
    int lowest = INT_MAX;
    for (const PlanUnit &u : plan.units)
        if (!u.pinned)
            lowest = std::min(lowest, u.bits);
    std::vector<int> layers;
    if (lowest == INT_MAX)
        return layers;
    for (const LayerSpec &l : plan.layers) {
        bool any = false, above = true;
        for (const PlanUnit &u : plan.units) {
            if (u.layer != l.index)
                continue;
            any = true;
            above = above && u.bits > lowest;
        }
        if (any && above)
            layers.push_back(l.index);
    }
    return layers;
}

double protectedOverlap(const BitPlan &a, const BitPlan &b)
{
    const std::vector<int> pa = protectedLayers(a), pb = protectedLayers(b);
    if (pb.empty())
        return 1.0;
    std::size_t shared = 0;
    for (int l : pb)
        shared += std::count(pa.begin(), pa.end(), l) > 0;
    return double(shared) / double(pb.size());
}

ComparisonPlans comparisonPlans(const AllocationRequest &request,
                                const std::vector<double> &rankScores,
                                const std::vector<double> &dpplScores)
{
    ComparisonPlans out;
    AllocationRequest r = request;
    r.layers = withScores(request.layers, rankScores, "comparison plans (ranking)");
    r.protectLowest = false;
    out.ranked = allocate(r);
    r.protectLowest = true;
    out.inverted = allocate(r);
    r.layers = withScores(request.layers, dpplScores, "comparison plans (dPPL oracle)");
    r.protectLowest = false;
    out.oracle = allocate(r);
    return out;
}

} // namespace lieq::alloc
