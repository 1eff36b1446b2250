#include "core/alloc/measured_plan.h"

#include "core/alloc/plan_compare.h" // withScores
#include "core/util/error.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace lieq::alloc {

namespace {

constexpr std::int64_t kMaxCapacity = 200000; // DP cells per item at most

} // namespace

BitPlan measuredPlan(const AllocationRequest &request, const std::vector<double> &gains)
{
    if (request.perProjection)
        throw Error("measured plan: gains are measured per layer; per-projection plans need "
                    "per-projection measurements");
    const std::vector<int> bits = distinctBits(request.bitSet);
    if (bits.size() != 2)
        throw Error("measured plan: the measured gains are for one low and one high bit-width "
                    "(e.g. --bits 2,4)");
    const AllocationRequest r = [&] {
        AllocationRequest x = request;
        x.layers = withScores(request.layers, gains, "measured plan");
        x.protectLowest = false;
        return x;
    }();
    const int lo = bits[0], hi = bits[1];
    BitPlan plan;
    plan.units = allocationUnits(r); // validates; every unpinned unit at `lo`

    double total = 0, fixed = 0;
    for (const PlanUnit &u : plan.units) {
        total += double(u.params);
        fixed += double(u.params) * (u.pinned ? u.bits : lo);
    }
    const double extra = r.budget * total - fixed;
    if (extra < -1e-9 * total)
        throw Error("measured plan: the budget of " + std::to_string(r.budget) +
                    " bits is below what the pins and the lowest bit-width need");

    // Items: unpinned layers whose raise helps. Costs in units of the gcd of their sizes.
    std::vector<std::size_t> items;
    std::int64_t g = 0;
    for (std::size_t i = 0; i < plan.units.size(); ++i)
        if (!plan.units[i].pinned && plan.units[i].score > 0) {
            items.push_back(i);
            g = std::gcd(g, plan.units[i].params * (hi - lo));
        }
    if (!items.empty() && extra > 0) {
        double quantum = double(g);
        std::int64_t capacity = std::int64_t(std::floor(extra * (1 + 1e-12) / quantum));
        bool rounded = false;
        if (capacity > kMaxCapacity) {
            quantum = extra / double(kMaxCapacity);
            capacity = kMaxCapacity;
            rounded = true;
        }
        auto cost = [&](std::size_t i) {
            const double c = double(plan.units[i].params * (hi - lo)) / quantum;
            return std::int64_t(rounded ? std::ceil(c - 1e-9) : std::llround(c));
        };
        const std::size_t cap = std::size_t(capacity) + 1;
        std::vector<double> best(cap, 0.0);
        std::vector<std::vector<std::uint8_t>> take(items.size(), std::vector<std::uint8_t>(cap, 0));
        for (std::size_t k = 0; k < items.size(); ++k) {
            const std::int64_t c = cost(items[k]);
            const double v = plan.units[items[k]].score;
            for (std::size_t w = cap; w-- > std::size_t(c);) // 0/1: capacity downwards
                if (best[w - std::size_t(c)] + v > best[w]) {
                    best[w] = best[w - std::size_t(c)] + v;
                    take[k][w] = 1;
                }
        }
        std::size_t w = cap - 1;
        for (std::size_t k = items.size(); k-- > 0;)
            if (take[k][w]) {
                plan.units[items[k]].bits = hi;
                w -= std::size_t(cost(items[k]));
            }
    }
    plan.method = "measured";
    plan.budget = r.budget;
    plan.bitSet = bits;
    plan.perProjection = false;
    plan.fuseGroups = r.fuseGroups;
    plan.pins = r.pins;
    plan.layers = r.layers;
    for (LayerSpec &l : plan.layers)
        if (!l.linears.empty()) {
            l.params = 0;
            for (const LinearShape &s : l.linears)
                l.params += s.params();
        }
    return plan;
}

std::vector<int> raisedLayers(const BitPlan &plan)
{
    std::vector<int> out;
    if (plan.bitSet.empty())
        return out;
    const int low = *std::min_element(plan.bitSet.begin(), plan.bitSet.end());
    for (const LayerSpec &l : plan.layers) {
        bool any = false, raised = true;
        for (const PlanUnit &u : plan.units)
            if (u.layer == l.index) {
                any = true;
                raised = raised && u.bits > low;
            }
        if (any && raised)
            out.push_back(l.index);
    }
    return out;
}

double capturedGain(const BitPlan &plan, const std::vector<double> &gains)
{
    if (gains.size() != plan.layers.size())
        throw Error("captured gain: " + std::to_string(gains.size()) + " gains for " +
                    std::to_string(plan.layers.size()) + " layers");
    double sum = 0;
    for (int layer : raisedLayers(plan))
        for (std::size_t i = 0; i < plan.layers.size(); ++i)
            if (plan.layers[i].index == layer)
                sum += gains[i];
    return sum;
}

double predictedDamage(const BitPlan &plan, double klAllLow, const std::vector<double> &gains)
{
    return std::max(0.0, klAllLow - capturedGain(plan, gains));
}

std::vector<DamagePoint> damageCurve(const AllocationRequest &request, double klAllLow,
                                     const std::vector<double> &gains,
                                     const std::vector<double> &scores)
{
    if (request.bitSet.empty())
        throw Error("damage curve: the bit set is empty");
    const int lo = *std::min_element(request.bitSet.begin(), request.bitSet.end());
    const int hi = *std::max_element(request.bitSet.begin(), request.bitSet.end());
    const int n = int(request.layers.size());
    // The least budget the pins allow; budgets below it have no plan.
    double total = 0, need = 0;
    for (const LayerSpec &l : request.layers) {
        std::int64_t p = l.params;
        if (!l.linears.empty()) {
            p = 0;
            for (const LinearShape &s : l.linears)
                p += s.params();
        }
        const auto pin = request.pins.find(l.index);
        total += double(p);
        need += double(p) * (pin != request.pins.end() ? pin->second : lo);
    }
    need /= std::max(1.0, total);
    std::vector<DamagePoint> curve;
    for (int k = 0; k <= n; ++k) {
        AllocationRequest r = request;
        r.budget = lo + double(hi - lo) * k / std::max(1, n);
        if (r.budget < need - 1e-12)
            continue;
        BitPlan plan;
        if (scores.empty()) {
            plan = measuredPlan(r, gains);
        } else {
            r.layers = withScores(request.layers, scores, "damage curve");
            r.protectLowest = false;
            plan = allocate(r);
        }
        DamagePoint p;
        p.bits = plan.nominalBits();
        p.predictedKl = predictedDamage(plan, klAllLow, gains);
        p.raised = raisedLayers(plan);
        curve.push_back(std::move(p));
    }
    return curve;
}

} // namespace lieq::alloc
