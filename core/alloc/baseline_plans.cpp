#include "core/alloc/baseline_plans.h"

#include "core/util/enum_names.h"
#include "core/util/error.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <random>
#include <sstream>

namespace lieq::alloc {

namespace {

// Layer positions in index order: baselines speak of "the first layers", not of indices.
std::vector<std::size_t> positionsByIndex(const std::vector<LayerSpec> &layers)
{
    std::vector<std::size_t> order(layers.size());
    std::iota(order.begin(), order.end(), std::size_t(0));
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return layers[a].index < layers[b].index;
    });
    return order; // order[position] = entry of `layers`
}

} // namespace

// The first name of each rule is the one written; the others are accepted spellings.
const EnumNames<BaselineRule, 8> kRuleNames{"baseline rule",
                                            {{{BaselineRule::LlamaCpp, "llama-cpp"},
                                              {BaselineRule::First, "first"},
                                              {BaselineRule::Last, "last"},
                                              {BaselineRule::Random, "random"},
                                              {BaselineRule::LlamaCpp, "llamacpp"},
                                              {BaselineRule::LlamaCpp, "llama.cpp"},
                                              {BaselineRule::First, "first-k"},
                                              {BaselineRule::Last, "last-k"}}}};

LIEQ_ENUM_NAME_FUNCTIONS(BaselineRule, kRuleNames, baselineRuleName, baselineRuleFromName, "")

const std::vector<BaselineRule> &allBaselineRules()
{
    static const std::vector<BaselineRule> r{BaselineRule::LlamaCpp, BaselineRule::First,
                                             BaselineRule::Last, BaselineRule::Random};
    return r;
}

bool llamaCppUseMoreBits(int i, int n)
{
    // C++ integer division and remainder, as in llama-quant.cpp; the first clause catches every
    // i < n/8, so the remainder is never taken of a negative number.
    return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}

std::vector<double> baselinePriorities(BaselineRule rule, const std::vector<LayerSpec> &layers,
                                       std::uint64_t seed)
{
    const int n = int(layers.size());
    const std::vector<std::size_t> byIndex = positionsByIndex(layers);
    // rank[k] = position protected k-th.
    std::vector<int> rank;
    switch (rule) {
    case BaselineRule::LlamaCpp: {
        std::vector<int> first, last, third, rest;
        for (int i = 0; i < n; ++i) {
            if (i < n / 8)
                first.push_back(i);
            else if (i >= 7 * n / 8)
                last.push_back(i);
            else if (llamaCppUseMoreBits(i, n))
                third.push_back(i);
            else
                rest.push_back(i);
        }
        for (const auto *g : {&first, &last, &third, &rest})
            rank.insert(rank.end(), g->begin(), g->end());
        break;
    }
    case BaselineRule::First:
        for (int i = 0; i < n; ++i)
            rank.push_back(i);
        break;
    case BaselineRule::Last:
        for (int i = n - 1; i >= 0; --i)
            rank.push_back(i);
        break;
    case BaselineRule::Random: {
        for (int i = 0; i < n; ++i)
            rank.push_back(i);
        // Fisher-Yates with an explicit draw: std::shuffle's algorithm is not specified, and
        // a seed must give the same plan on every platform.
        std::mt19937_64 rng(seed);
        for (int i = n - 1; i > 0; --i)
            std::swap(rank[std::size_t(i)], rank[std::size_t(rng() % std::uint64_t(i + 1))]);
        break;
    }
    }
    std::vector<double> priority(layers.size(), 0.0);
    for (int k = 0; k < n; ++k)
        priority[byIndex[std::size_t(rank[std::size_t(k)])]] = double(n - k);
    return priority;
}

BitPlan baselinePlan(const AllocationRequest &request, BaselineRule rule, std::uint64_t seed)
{
    AllocationRequest r = request;
    const std::vector<double> p = baselinePriorities(rule, request.layers, seed);
    for (std::size_t i = 0; i < r.layers.size(); ++i) {
        r.layers[i].score = p[i];
        for (LinearShape &s : r.layers[i].linears)
            s.score = std::numeric_limits<double>::quiet_NaN(); // the layer order decides
    }
    r.protectLowest = false;
    BitPlan plan = allocate(r);
    std::string name = baselineRuleName(rule);
    if (rule == BaselineRule::Random)
        name.append("-").append(std::to_string(seed));
    plan.method = name;
    return plan;
}

std::vector<BitPlan> randomPlans(const AllocationRequest &request,
                                 const std::vector<std::uint64_t> &seeds)
{
    std::vector<BitPlan> plans;
    for (std::uint64_t s : seeds)
        plans.push_back(baselinePlan(request, BaselineRule::Random, s));
    return plans;
}

std::vector<std::uint64_t> parseSeeds(const std::string &spec)
{
    std::vector<std::uint64_t> seeds;
    std::stringstream ss(spec);
    std::string item;
    while (std::getline(ss, item, ',')) {
        std::size_t used = 0;
        unsigned long long v = 0;
        try {
            v = std::stoull(item, &used);
        } catch (const std::exception &) {
            used = 0;
        }
        if (item.empty() || used != item.size() || item[0] == '-')
            throw Error("seeds '" + spec + "': '" + item + "' is not a non-negative integer");
        seeds.push_back(v);
    }
    if (seeds.empty())
        throw Error("seeds '" + spec + "' is empty");
    return seeds;
}

} // namespace lieq::alloc
