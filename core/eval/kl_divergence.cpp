#include "core/eval/kl_divergence.h"

#include "core/data/token_windows.h"
#include "core/model/model.h"
#include "core/util/error.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

namespace lieq {

namespace {

// log-softmax of one row of logits, in double.
void logSoftmax(const float *logits, std::int64_t n, std::vector<double> &out)
{
    out.resize(static_cast<std::size_t>(n));
    double mx = -INFINITY;
    for (std::int64_t i = 0; i < n; ++i)
        mx = std::max(mx, double(logits[i]));
    double sum = 0;
    for (std::int64_t i = 0; i < n; ++i)
        sum += std::exp(double(logits[i]) - mx);
    const double lse = mx + std::log(sum);
    for (std::int64_t i = 0; i < n; ++i)
        out[static_cast<std::size_t>(i)] = double(logits[i]) - lse;
}

std::int64_t argmax(const std::vector<double> &v)
{
    return std::max_element(v.begin(), v.end()) - v.begin();
}

} // namespace

KlDivergenceResult evaluateKlDivergence(Model &reference, Model &model, const TokenWindows &windows,
                                        const ProgressFn &progress)
{
    const std::int64_t vocab = reference.config().vocabSize;
    if (model.config().vocabSize != vocab)
        throw Error("KL divergence: the models' vocabularies differ (" + std::to_string(vocab) +
                    " and " + std::to_string(model.config().vocabSize) + " tokens)");
    if (windows.count <= 0 || windows.seqlen < 2)
        throw Error("KL divergence needs at least one whole window of " +
                    std::to_string(windows.seqlen) + " tokens");
    const auto start = std::chrono::steady_clock::now();
    KlDivergenceResult r;
    double klSum = 0, nllRef = 0, nllModel = 0;
    std::int64_t agree = 0;
    std::vector<double> p, q;
    for (std::int64_t w = 0; w < windows.count; ++w) {
        reportProgress(progress, {"kl divergence", w, windows.count, {}});
        const std::vector<std::int32_t> ids = windows.range(w, 1);
        const std::vector<float> a = reference.logits(ids);
        const std::vector<float> b = model.logits(ids);
        for (std::int64_t t = 0; t + 1 < windows.seqlen; ++t) {
            logSoftmax(a.data() + t * vocab, vocab, p);
            logSoftmax(b.data() + t * vocab, vocab, q);
            double kl = 0;
            for (std::size_t i = 0; i < p.size(); ++i)
                kl += std::exp(p[i]) * (p[i] - q[i]);
            kl = std::max(kl, 0.0); // rounding can dip below 0 for identical rows
            if (!std::isfinite(kl))
                throw Error("KL divergence: non-finite value in window " + std::to_string(w) +
                            " (weights or inputs broken)");
            klSum += kl;
            r.maxKl = std::max(r.maxKl, kl);
            agree += argmax(p) == argmax(q);
            const std::size_t next = static_cast<std::size_t>(ids[static_cast<std::size_t>(t + 1)]);
            nllRef -= p[next];
            nllModel -= q[next];
        }
    }
    reportProgress(progress, {"kl divergence", windows.count, windows.count, {}});
    r.windows = windows.count;
    r.positions = windows.count * (windows.seqlen - 1);
    r.meanKl = klSum / double(r.positions);
    r.top1Agreement = double(agree) / double(r.positions);
    r.pplReference = std::exp(nllRef / double(r.positions));
    r.pplModel = std::exp(nllModel / double(r.positions));
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
}

} // namespace lieq
