#include "core/tasks/zero_shot.h"

#include "core/util/error.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

namespace lieq {

namespace {

std::int64_t codePoints(const std::string &s)
{
    std::int64_t n = 0;
    for (unsigned char c : s)
        n += (c & 0xC0) != 0x80;
    return n;
}

} // namespace

std::vector<std::size_t> selectItems(std::size_t count, std::int64_t limit,
                                     std::optional<std::uint64_t> seed)
{
    std::vector<std::size_t> idx(count);
    std::iota(idx.begin(), idx.end(), 0);
    if (limit < 0 || static_cast<std::size_t>(limit) >= count)
        return idx;
    const auto k = static_cast<std::size_t>(limit);
    if (seed) {
        // Partial Fisher-Yates with an explicitly specified generator and integer arithmetic,
        // so the sample is the same on every platform.
        std::mt19937_64 rng(*seed);
        for (std::size_t i = 0; i < k; ++i) {
            const std::size_t j = i + static_cast<std::size_t>(rng() % (count - i));
            std::swap(idx[i], idx[j]);
        }
        idx.resize(k);
        std::sort(idx.begin(), idx.end());
        return idx;
    }
    idx.resize(k);
    return idx;
}

ItemScore scoreItem(const TaskItem &item, const std::vector<double> &logprobs)
{
    if (logprobs.size() != item.requests.size() || logprobs.empty())
        throw Error("item " + item.id + ": " + std::to_string(logprobs.size()) + " scores for " +
                    std::to_string(item.requests.size()) + " choices");
    ItemScore s;
    s.logprobs = logprobs;
    s.gold = item.gold;
    s.lengths.resize(logprobs.size(), 0);
    double best = -std::numeric_limits<double>::infinity();
    double bestNorm = best;
    for (std::size_t c = 0; c < logprobs.size(); ++c) {
        if (logprobs[c] > best) {
            best = logprobs[c];
            s.predicted = static_cast<int>(c);
        }
        const std::int64_t len =
            c < item.choiceTexts.size() ? codePoints(item.choiceTexts[c]) : 0;
        s.lengths[c] = len;
        const double norm = logprobs[c] / static_cast<double>(std::max<std::int64_t>(len, 1));
        if (norm > bestNorm) {
            bestNorm = norm;
            s.predictedNorm = static_cast<int>(c);
        }
    }
    return s;
}

void meanAndStderr(const std::vector<double> &values, double &mean, double &stderrValue)
{
    const auto n = static_cast<double>(values.size());
    mean = values.empty() ? 0 : std::accumulate(values.begin(), values.end(), 0.0) / n;
    stderrValue = 0;
    if (values.size() < 2)
        return;
    double ss = 0;
    for (double v : values)
        ss += (v - mean) * (v - mean);
    stderrValue = std::sqrt(ss / (n - 1)) / std::sqrt(n);
}

TaskResult evaluateTask(Model &model, const Tokenizer &tokenizer, const TaskData &task,
                        const ZeroShotOptions &options, const ProgressFn &progress)
{
    const auto start = std::chrono::steady_clock::now();
    const std::vector<std::size_t> chosen =
        selectItems(task.items.size(), options.limit, options.sampleSeed);
    std::vector<LoglikelihoodRequest> requests;
    std::vector<std::int64_t> groups;
    for (std::size_t k = 0; k < chosen.size(); ++k) {
        const TaskItem &item = task.items[chosen[k]];
        if (item.requests.empty() || item.gold < 0 ||
            item.gold >= static_cast<int>(item.requests.size()))
            throw Error(task.source, "item " + item.id + " has no choices or a bad gold index");
        for (const auto &r : item.requests) {
            requests.push_back(r);
            groups.push_back(static_cast<std::int64_t>(k));
        }
    }
    LoglikelihoodScorer scorer(model, tokenizer, options.scorer);
    ProgressFn relabel;
    if (progress)
        relabel = [&](const Progress &p) {
            return progress({task.name, p.done, p.total, p.detail});
        };
    const std::vector<LoglikelihoodScore> scores = scorer.score(requests, groups, relabel);

    TaskResult result;
    result.task = task.name;
    result.n = static_cast<std::int64_t>(chosen.size());
    result.total = static_cast<std::int64_t>(task.items.size());
    std::vector<double> acc, accNorm;
    std::size_t next = 0;
    for (std::size_t idx : chosen) {
        const TaskItem &item = task.items[idx];
        std::vector<double> lp;
        std::vector<std::int64_t> tokens;
        for (std::size_t c = 0; c < item.requests.size(); ++c) {
            lp.push_back(scores[next].logprob);
            tokens.push_back(scores[next++].tokens);
        }
        ItemScore s = scoreItem(item, lp);
        s.item = idx;
        s.tokens = std::move(tokens);
        acc.push_back(s.predicted == s.gold ? 1.0 : 0.0);
        accNorm.push_back(s.predictedNorm == s.gold ? 1.0 : 0.0);
        if (options.keepItems)
            result.items.push_back(std::move(s));
    }
    meanAndStderr(acc, result.acc, result.accStderr);
    result.hasAccNorm = taskHasAccNorm(task.name);
    if (result.hasAccNorm) {
        meanAndStderr(accNorm, result.accNorm, result.accNormStderr);
    } else {
        result.accNorm = std::numeric_limits<double>::quiet_NaN();
        result.accNormStderr = std::numeric_limits<double>::quiet_NaN();
    }
    result.stats = scorer.stats();
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

double averageAcc(const std::vector<TaskResult> &results, bool norm)
{
    double sum = 0;
    int n = 0;
    for (const auto &r : results)
        if (!norm || r.hasAccNorm) {
            sum += norm ? r.accNorm : r.acc;
            ++n;
        }
    return n ? sum / n : std::numeric_limits<double>::quiet_NaN();
}

bool taskHasAccNorm(const std::string &task) { return task != "winogrande" && task != "boolq"; }

double recoveredPercent(double value, double baseline)
{
    if (!(baseline > 0))
        return std::numeric_limits<double>::quiet_NaN();
    return 100.0 * value / baseline;
}

} // namespace lieq
