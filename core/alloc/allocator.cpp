#include "core/alloc/allocator.h"

#include "core/util/enum_names.h"
#include "core/util/error.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <set>
#include <sstream>

namespace lieq::alloc {

namespace {

constexpr std::int64_t kMaxCapacity = 50000; // DP resolution in budget units

// Relative quantization noise power falls as 4^-bits; "precision" is the share removed.
double precision(int bits) { return 1.0 - std::pow(4.0, -double(bits)); }

std::string layerName(const LayerSpec &l) { return "layer " + std::to_string(l.index); }

void validate(const AllocationRequest &r)
{
    if (r.layers.empty())
        throw Error("allocation: no layers given");
    if (!std::isfinite(r.budget) || r.budget <= 0)
        throw Error("allocation: the budget must be a positive number of bits");
    if (r.bitSet.empty())
        throw Error("allocation: the bit set is empty");
    for (int b : r.bitSet)
        if (!isQuantBits(b))
            throw Error("allocation: bit-width " + std::to_string(b) +
                        " is not one of 2, 3, 4, 8");
    std::set<int> seen;
    for (const LayerSpec &l : r.layers) {
        if (!seen.insert(l.index).second)
            throw Error("allocation: layer " + std::to_string(l.index) + " is listed twice");
        if (!std::isfinite(l.score))
            throw Error("allocation: " + layerName(l) + " has no finite score");
        std::int64_t sum = 0;
        for (const LinearShape &s : l.linears) {
            fusedGroupOf(s.name); // throws on unknown names
            if (s.rows <= 0 || s.cols <= 0)
                throw Error("allocation: " + layerName(l) + " " + s.name +
                            " has a non-positive shape");
            sum += s.params();
        }
        if (!l.linears.empty() && l.params != 0 && l.params != sum)
            throw Error("allocation: " + layerName(l) + " lists params " +
                        std::to_string(l.params) + " but its linears hold " +
                        std::to_string(sum));
        if (l.linears.empty() && l.params <= 0)
            throw Error("allocation: " + layerName(l) + " has no parameter count");
    }
    for (const auto &[layer, bits] : r.pins) {
        if (!seen.count(layer))
            throw Error("allocation: pin names layer " + std::to_string(layer) +
                        ", which is not in the model");
        if (!isQuantBits(bits) && bits != 16)
            throw Error("allocation: pin " + std::to_string(layer) + "=" +
                        std::to_string(bits) + ": bits must be 2, 3, 4, 8 or 16");
    }
}

std::int64_t layerParams(const LayerSpec &l)
{
    if (l.linears.empty())
        return l.params;
    std::int64_t sum = 0;
    for (const LinearShape &s : l.linears)
        sum += s.params();
    return sum;
}

// Weights for the objective: scores shifted so the lowest is a small positive weight (dr can
// be negative, and a zero weight would make a unit's bits arbitrary).
std::vector<double> weights(const std::vector<PlanUnit> &units)
{
    double lo = INFINITY, hi = -INFINITY;
    for (const PlanUnit &u : units)
        if (!u.pinned) {
            lo = std::min(lo, u.score);
            hi = std::max(hi, u.score);
        }
    const double eps = hi > lo ? 0.01 * (hi - lo) : 1.0;
    std::vector<double> w(units.size(), 0.0);
    for (std::size_t i = 0; i < units.size(); ++i)
        if (!units[i].pinned)
            w[i] = units[i].score - lo + eps;
    return w;
}

struct Budget
{
    double total = 0;  // parameters
    double extra = 0;  // bit-parameters available above every unpinned unit at the lowest bits
};

Budget budgetOf(const AllocationRequest &r, const std::vector<PlanUnit> &units, int lowest)
{
    Budget b;
    double fixed = 0;
    for (const PlanUnit &u : units) {
        b.total += double(u.params);
        fixed += double(u.params) * (u.pinned ? u.bits : lowest);
    }
    b.extra = r.budget * b.total - fixed;
    // Rounding of the budget itself (2.07 typed by hand) must not make a plan infeasible.
    if (b.extra < -1e-9 * b.total) {
        std::ostringstream os;
        os << "allocation: the budget of " << r.budget
           << " bits is below what the pins and the lowest bit-width need ("
           << fixed / b.total << " bits on average)";
        throw Error(os.str());
    }
    b.extra = std::max(0.0, b.extra);
    return b;
}

void allocatePaper(const AllocationRequest &r, std::vector<PlanUnit> &units)
{
    const std::vector<int> bits = distinctBits(r.bitSet);
    if (bits.size() != 2)
        throw Error("allocation: the paper rule uses exactly two bit-widths (e.g. --bits 2,4); "
                    "use the knapsack for other bit sets");
    const int lo = bits[0], hi = bits[1];
    const Budget b = budgetOf(r, units, lo);
    // f of the total at `hi` bits: f = (budget - lo) / (hi - lo) without pins.
    const double target = b.extra / double(hi - lo);

    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < units.size(); ++i)
        if (!units[i].pinned)
            order.push_back(i);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t c) {
        return units[a].score > units[c].score;
    });
    double upgraded = 0;
    const double slack = 1e-9 * b.total;
    for (std::size_t i : order) {
        // Take the next unit while that lands at least as close to the target as stopping.
        if (target - upgraded + slack < double(units[i].params) / 2.0)
            break;
        units[i].bits = hi;
        upgraded += double(units[i].params);
    }
}

struct Increment
{
    std::size_t unit;
    int from, to;
    double gain, cost;
};

void allocateGreedy(const AllocationRequest &r, std::vector<PlanUnit> &units,
                    const std::vector<int> &bits)
{
    const Budget b = budgetOf(r, units, bits.front());
    const std::vector<double> w = weights(units);
    std::vector<Increment> incs;
    for (std::size_t i = 0; i < units.size(); ++i) {
        if (units[i].pinned)
            continue;
        const double p = double(units[i].params);
        for (std::size_t j = 0; j + 1 < bits.size(); ++j)
            incs.push_back({i, bits[j], bits[j + 1],
                            w[i] * p * (precision(bits[j + 1]) - precision(bits[j])),
                            p * (bits[j + 1] - bits[j])});
    }
    // Marginal gain per bit-parameter falls along each unit's chain (precision is concave),
    // so this order never upgrades a unit past a step it has not taken.
    std::stable_sort(incs.begin(), incs.end(), [](const Increment &a, const Increment &c) {
        return a.gain / a.cost > c.gain / c.cost;
    });
    double left = b.extra + 1e-9 * b.total;
    for (const Increment &inc : incs) {
        if (inc.cost > left)
            break; // stopping (not skipping) keeps plans nested across budgets
        units[inc.unit].bits = inc.to;
        left -= inc.cost;
    }
}

void allocateKnapsack(const AllocationRequest &r, std::vector<PlanUnit> &units,
                      const std::vector<int> &bits)
{
    const Budget b = budgetOf(r, units, bits.front());
    const std::vector<double> w = weights(units);
    std::vector<std::size_t> free;
    std::int64_t g = 0;
    double maxCost = 0;
    for (std::size_t i = 0; i < units.size(); ++i)
        if (!units[i].pinned) {
            free.push_back(i);
            g = std::gcd(g, units[i].params);
            maxCost += double(units[i].params) * (bits.back() - bits.front());
        }
    if (free.empty())
        return;
    // Costs in units of the gcd of the sizes are exact integers; when that grid is too fine,
    // a coarser one with costs rounded up keeps every plan within the budget.
    const double usable = std::min(b.extra, maxCost);
    double quantum = double(g);
    std::int64_t capacity = std::int64_t(std::floor(usable / quantum + 1e-9));
    bool rounded = false;
    if (capacity > kMaxCapacity) {
        quantum = usable / double(kMaxCapacity);
        capacity = kMaxCapacity;
        rounded = true;
    }
    auto costUnits = [&](std::size_t i, std::size_t j) {
        const double c = double(units[i].params) * (bits[j] - bits.front()) / quantum;
        return std::int64_t(rounded ? std::ceil(c - 1e-9) : std::llround(c));
    };

    const std::size_t cap = std::size_t(capacity) + 1;
    std::vector<double> dp(cap, 0.0), next(cap);
    std::vector<std::vector<std::uint8_t>> choice(free.size(), std::vector<std::uint8_t>(cap, 0));
    for (std::size_t f = 0; f < free.size(); ++f) {
        const std::size_t i = free[f];
        const double p = double(units[i].params);
        std::fill(next.begin(), next.end(), -INFINITY);
        for (std::size_t j = 0; j < bits.size(); ++j) {
            const std::int64_t c = costUnits(i, j);
            if (c >= std::int64_t(cap))
                continue;
            const double v = w[i] * p * precision(bits[j]);
            for (std::size_t k = std::size_t(c); k < cap; ++k) {
                const double cand = dp[k - std::size_t(c)] + v;
                if (cand > next[k] * (1 + 1e-12) + 1e-300 || next[k] == -INFINITY) {
                    // Strictly better (beyond rounding): ties keep the lower bit-width.
                    next[k] = cand;
                    choice[f][k] = std::uint8_t(j);
                }
            }
        }
        dp.swap(next);
    }
    std::size_t k = cap - 1;
    for (std::size_t f = free.size(); f-- > 0;) {
        const std::size_t j = choice[f][k];
        units[free[f]].bits = bits[j];
        k -= std::size_t(costUnits(free[f], j));
    }
}

} // namespace

std::vector<PlanUnit> allocationUnits(const AllocationRequest &r)
{
    validate(r);
    const int lowest = *std::min_element(r.bitSet.begin(), r.bitSet.end());
    std::vector<PlanUnit> units;
    for (const LayerSpec &l : r.layers) {
        const auto pin = r.pins.find(l.index);
        auto add = [&](PlanUnit u) {
            u.layer = l.index;
            u.pinned = pin != r.pins.end();
            u.bits = u.pinned ? pin->second : lowest;
            units.push_back(std::move(u));
        };
        if (!r.perProjection) {
            PlanUnit u;
            u.params = layerParams(l);
            u.score = l.score;
            add(u);
            continue;
        }
        if (l.linears.empty())
            throw Error("allocation: per-projection granularity needs the projection shapes "
                        "of " + layerName(l));
        std::vector<PlanUnit> groups;
        for (const LinearShape &s : l.linears) {
            const std::string group = r.fuseGroups ? fusedGroupOf(s.name) : s.name;
            auto it = std::find_if(groups.begin(), groups.end(),
                                   [&](const PlanUnit &u) { return u.group == group; });
            if (it == groups.end()) {
                groups.push_back({});
                it = groups.end() - 1;
                it->group = group;
                it->score = 0;
            }
            it->projections.push_back(s.name);
            it->params += s.params();
            it->score += s.score; // NaN when a projection has no score of its own
        }
        for (PlanUnit &u : groups) {
            u.score = std::isfinite(u.score) ? u.score / double(u.projections.size()) : l.score;
            add(u);
        }
    }
    return units;
}

BitPlan allocate(const AllocationRequest &r)
{
    BitPlan plan;
    plan.units = allocationUnits(r);
    const std::vector<int> bits = distinctBits(r.bitSet);
    auto negateScores = [&plan] {
        for (PlanUnit &u : plan.units)
            u.score = -u.score;
    };
    if (r.protectLowest)
        negateScores();
    switch (r.method) {
    case AllocMethod::Paper:
        allocatePaper(r, plan.units);
        break;
    case AllocMethod::Knapsack:
        allocateKnapsack(r, plan.units, bits);
        break;
    case AllocMethod::Greedy:
        allocateGreedy(r, plan.units, bits);
        break;
    }
    if (r.protectLowest)
        negateScores();
    plan.method = methodName(r.method);
    plan.budget = r.budget;
    plan.bitSet = bits;
    plan.perProjection = r.perProjection;
    plan.fuseGroups = r.fuseGroups;
    plan.protectLowest = r.protectLowest;
    plan.pins = r.pins;
    plan.layers = r.layers;
    for (LayerSpec &l : plan.layers)
        l.params = layerParams(l);
    return plan;
}

double planObjective(const BitPlan &plan)
{
    const std::vector<double> w = weights(plan.units);
    double v = 0;
    for (std::size_t i = 0; i < plan.units.size(); ++i)
        if (!plan.units[i].pinned)
            v += w[i] * double(plan.units[i].params) * precision(plan.units[i].bits);
    return v;
}

AllocMethod defaultMethod(const std::vector<int> &bitSet)
{
    return distinctBits(bitSet).size() == 2 ? AllocMethod::Paper : AllocMethod::Knapsack;
}

std::vector<int> distinctBits(std::vector<int> bitSet)
{
    std::sort(bitSet.begin(), bitSet.end());
    bitSet.erase(std::unique(bitSet.begin(), bitSet.end()), bitSet.end());
    return bitSet;
}

const EnumNames<AllocMethod, 3> kMethodNames{"allocation method",
                                             {{{AllocMethod::Paper, "paper"},
                                               {AllocMethod::Knapsack, "knapsack"},
                                               {AllocMethod::Greedy, "greedy"}}}};

LIEQ_ENUM_NAME_FUNCTIONS(AllocMethod, kMethodNames, methodName, methodFromName, "")

namespace {
int parseInt(const std::string &text, const std::string &context)
{
    std::size_t used = 0;
    int v = 0;
    try {
        v = std::stoi(text, &used);
    } catch (const std::exception &) {
        used = 0;
    }
    if (used == 0 || used != text.size())
        throw Error(context + ": '" + text + "' is not an integer");
    return v;
}
} // namespace

std::map<int, int> parsePins(const std::vector<std::string> &specs)
{
    std::map<int, int> pins;
    for (const std::string &s : specs) {
        const auto eq = s.find('=');
        if (eq == std::string::npos)
            throw Error("pin '" + s + "': expected LAYER=BITS, e.g. 3=4 or 0=16");
        const int layer = parseInt(s.substr(0, eq), "pin '" + s + "'");
        const int bits = parseInt(s.substr(eq + 1), "pin '" + s + "'");
        if (!isQuantBits(bits) && bits != 16)
            throw Error("pin '" + s + "': bits must be 2, 3, 4, 8 or 16");
        const auto [it, inserted] = pins.emplace(layer, bits);
        if (!inserted && it->second != bits)
            throw Error("pin '" + s + "': layer " + std::to_string(layer) +
                        " is already pinned to " + std::to_string(it->second) + " bits");
    }
    return pins;
}

std::vector<int> parseBitSet(const std::string &spec)
{
    std::vector<int> bits;
    std::stringstream ss(spec);
    std::string item;
    while (std::getline(ss, item, ',')) {
        const int b = parseInt(item, "bit set '" + spec + "'");
        if (!isQuantBits(b))
            throw Error("bit set '" + spec + "': " + item + " is not one of 2, 3, 4, 8");
        bits.push_back(b);
    }
    if (bits.empty())
        throw Error("bit set '" + spec + "' is empty");
    return distinctBits(std::move(bits));
}

} // namespace lieq::alloc
