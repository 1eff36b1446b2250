#include "core/alloc/bit_plan.h"

#include "core/io/projection.h"
#include "core/util/error.h"

#include <algorithm>

namespace lieq::alloc {

std::string fusedGroupOf(const std::string &projection)
{
    const std::optional<Projection> p = projectionFromName(projection);
    if (!p)
        throw Error("unknown projection '" + projection + "' (expected one of q_proj, k_proj, "
                    "v_proj, o_proj, gate_proj, up_proj, down_proj)");
    return std::string(fusedGroupName(lieq::fusedGroupOf(*p)));
}

bool isQuantBits(int bits) { return bits == 2 || bits == 3 || bits == 4 || bits == 8; }

int BitPlan::bitsFor(int layer, const std::string &projection) const
{
    int uniform = 0; // bits shared by all of the layer's units, -1 when they differ
    for (const PlanUnit &u : units) {
        if (u.layer != layer)
            continue;
        if (u.projections.empty())
            return u.bits; // a whole-layer unit covers every projection
        if (!projection.empty() &&
            std::find(u.projections.begin(), u.projections.end(), projection) !=
                u.projections.end())
            return u.bits;
        uniform = uniform == 0 ? u.bits : (uniform == u.bits ? uniform : -1);
    }
    if (projection.empty() && uniform > 0)
        return uniform;
    if (projection.empty() && uniform < 0)
        throw Error("bit plan: layer " + std::to_string(layer) +
                    " has different bits per projection; ask for a projection");
    throw Error("bit plan: no entry for layer " + std::to_string(layer) +
                (projection.empty() ? std::string() : " " + projection));
}

int BitPlan::bitsFor(int layer, Projection projection) const
{
    return bitsFor(layer, std::string(projectionModuleName(projection)));
}

std::vector<int> BitPlan::layerBits() const
{
    std::vector<int> out;
    for (const LayerSpec &l : layers) {
        int bits = 0;
        for (const PlanUnit &u : units) {
            if (u.layer != l.index)
                continue;
            bits = bits == 0 ? u.bits : (bits == u.bits ? bits : -1);
        }
        out.push_back(bits);
    }
    return out;
}

std::int64_t BitPlan::totalParams() const
{
    std::int64_t total = 0;
    for (const PlanUnit &u : units)
        total += u.params;
    return total;
}

double BitPlan::nominalBits() const
{
    double bits = 0;
    const std::int64_t total = totalParams();
    for (const PlanUnit &u : units)
        bits += double(u.params) * u.bits;
    return total > 0 ? bits / double(total) : 0.0;
}

} // namespace lieq::alloc
