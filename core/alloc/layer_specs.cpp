#include "core/alloc/layer_specs.h"

#include "core/alloc/allocator.h"
#include "core/io/model_config.h"
#include "core/io/projection.h"
#include "core/util/error.h"

#include <cmath>

namespace lieq::alloc {

std::vector<LayerSpec> decoderLayerSpecs(const ModelConfig &c, const std::vector<double> &scores)
{
    if (!scores.empty() && static_cast<std::int64_t>(scores.size()) != c.numLayers)
        throw Error("layer scores: " + std::to_string(scores.size()) + " scores for a model with " +
                    std::to_string(c.numLayers) + " layers");
    std::vector<LinearShape> shapes;
    std::int64_t params = 0;
    for (Projection p : kAllProjections) {
        const ProjectionShape s = projectionShape(c, p);
        shapes.push_back({std::string(projectionModuleName(p)), s.rows, s.cols});
        params += shapes.back().params();
    }
    std::vector<LayerSpec> out;
    for (int l = 0; l < c.numLayers; ++l) {
        LayerSpec s;
        s.index = l;
        const double score = scores.empty() ? 0.0 : scores[static_cast<std::size_t>(l)];
        s.score = std::isfinite(score) ? score : 0.0;
        s.linears = shapes;
        s.params = params;
        out.push_back(std::move(s));
    }
    return out;
}

BitPlan uniformPlan(const std::vector<LayerSpec> &layers, int bits)
{
    if (!isQuantBits(bits) && bits != 16)
        throw Error("uniform plan: " + std::to_string(bits) +
                    " bits is not one of 2, 3, 4, 8 or 16");
    BitPlan plan;
    plan.method = "uniform";
    plan.budget = bits;
    plan.bitSet = {bits};
    plan.layers = layers;
    for (const LayerSpec &s : layers) {
        PlanUnit u;
        u.layer = s.index;
        u.params = s.params;
        u.bits = bits;
        plan.units.push_back(u);
    }
    return plan;
}

BitPlan paperPlan(const std::vector<LayerSpec> &layers, double budget, bool protectLowest)
{
    AllocationRequest req;
    req.layers = layers;
    req.budget = budget;
    req.bitSet = {2, 4};
    req.method = AllocMethod::Paper;
    req.protectLowest = protectLowest;
    return allocate(req);
}

} // namespace lieq::alloc
