#include "core/tasks/loglikelihood_scorer.h"

#include "core/model/decoder_impl.h"
#include "core/model/model.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/enum_names.h"
#include "core/util/error.h"
#include "core/util/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <numeric>

namespace lieq {

namespace {

// One forward row and the requests read from it.
struct Row
{
    std::vector<std::int32_t> ids;
    std::int64_t group = 0;
    std::vector<std::size_t> requests;
};

// Where one request's continuation sits in its row's input.
struct Span
{
    std::size_t row = 0;
    std::int64_t first = 0;                // input position predicting the first target
    std::vector<std::int32_t> targets;
};

// Hidden states of a batch of rows, addressable per (row, position).
struct BatchHidden
{
    torch::Tensor flat;                    // [N, H]
    std::function<std::int64_t(std::size_t row, std::int64_t pos)> index;
};

torch::Tensor idsTensor(const std::vector<const std::vector<std::int32_t> *> &rows,
                        std::int64_t begin, std::int64_t width)
{
    torch::Tensor t = torch::zeros({static_cast<std::int64_t>(rows.size()), width}, torch::kLong);
    auto a = t.accessor<std::int64_t, 2>();
    for (std::size_t r = 0; r < rows.size(); ++r)
        for (std::int64_t j = begin; j < static_cast<std::int64_t>(rows[r]->size()) && j - begin < width; ++j)
            a[static_cast<std::int64_t>(r)][j - begin] = (*rows[r])[static_cast<std::size_t>(j)];
    return t;
}


// Inputs, spans and rows: sorted inputs put each input right before the inputs it is a prefix
// of, so each input is served by the last input of its prefix chain, and identical inputs or
// prefixes share one forward row.
struct RowPlan
{
    std::vector<Row> rows;
    std::vector<Span> spans; // one per request
};

RowPlan planRows(const std::vector<EncodedRequest> &requests,
                 const std::vector<std::int64_t> &groups, std::int64_t maxLength,
                 std::int64_t vocab, ScoringStats &stats)
{
    const std::size_t n = requests.size();
    std::vector<std::vector<std::int32_t>> inputs(n);
    RowPlan plan;
    plan.spans.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const EncodedRequest &r = requests[i];
        std::vector<std::int32_t> full = r.context;
        full.insert(full.end(), r.continuation.begin(), r.continuation.end());
        if (r.continuation.empty())
            throw Error("loglikelihood: request " + std::to_string(i) + " has no continuation tokens");
        // A continuation longer than the window keeps its last maxLength tokens: the window
        // then holds no context and its first token is only conditioned on.
        std::vector<std::int32_t> targets = r.continuation;
        if (targets.size() > static_cast<std::size_t>(maxLength)) {
            targets.erase(targets.begin(), targets.end() - maxLength);
            ++stats.truncatedContinuations;
        }
        if (full.size() > static_cast<std::size_t>(maxLength + 1))
            full.erase(full.begin(), full.end() - (maxLength + 1));
        for (std::int32_t id : full)
            if (id < 0 || id >= vocab)
                throw Error("loglikelihood: token id " + std::to_string(id) +
                            " outside the model's vocabulary of " + std::to_string(vocab));
        inputs[i].assign(full.begin(), full.end() - 1);
        plan.spans[i].first = static_cast<std::int64_t>(inputs[i].size() - targets.size());
        plan.spans[i].targets = std::move(targets);
    }
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return inputs[a] != inputs[b] ? inputs[a] < inputs[b] : a < b;
    });
    std::vector<std::size_t> host(n);
    for (std::size_t k = n; k-- > 0;) {
        const auto &a = inputs[order[k]];
        bool extended = false;
        if (k + 1 < n) {
            const auto &b = inputs[order[k + 1]];
            extended = a.size() <= b.size() && std::equal(a.begin(), a.end(), b.begin());
        }
        host[order[k]] = extended ? host[order[k + 1]] : order[k];
    }
    std::vector<std::size_t> rowOf(n, SIZE_MAX);
    for (std::size_t k = 0; k < n; ++k) {
        const std::size_t i = order[k], h = host[i];
        if (rowOf[h] == SIZE_MAX) {
            rowOf[h] = plan.rows.size();
            plan.rows.push_back({inputs[h], groups.empty() ? 0 : groups[h], {}});
        }
        Row &row = plan.rows[rowOf[h]];
        row.requests.push_back(i);
        row.group = std::min(row.group, groups.empty() ? 0 : groups[i]);
        plan.spans[i].row = rowOf[h];
    }
    stats.rows = static_cast<std::int64_t>(plan.rows.size());
    return plan;
}

// Runs the forwards of a row plan and reads every request's log-likelihood from them.
class BatchRunner
{
public:
    BatchRunner(Decoder &dec, const RowPlan &plan, ScoringStats &stats, const ProgressFn &progress)
        : out(plan.spans.size()), m_dec(dec), m_rows(plan.rows), m_spans(plan.spans), m_stats(stats),
          m_progress(progress)
    {
        report();
    }

    // SharedPrefix: items with several rows share their prefix; the rest (and everything in
    // the other modes) go to packed batches of similar length. On 2+ threads (resident weights,
    // CPU) the batches run side by side as whole single-threaded tasks, each exactly as on one
    // thread (issue 10: with one core busy the per-product splits lost to one thread).
    void runAll(Batching mode, const ScorerOptions &options)
    {
        std::vector<std::function<void()>> jobs;
        std::vector<std::size_t> packed = mode == Batching::SharedPrefix ? sharedGroups(jobs)
                                                                          : allRows();
        std::stable_sort(packed.begin(), packed.end(), [&](std::size_t a, std::size_t b) {
            return m_rows[a].ids.size() > m_rows[b].ids.size();
        });
        const bool single = mode == Batching::None;
        for (std::size_t k = 0; k < packed.size();) {
            const auto width = static_cast<std::int64_t>(m_rows[packed[k]].ids.size());
            std::vector<std::size_t> batch = {packed[k++]};
            while (!single && k < packed.size() &&
                   static_cast<std::int64_t>(batch.size()) < options.maxBatchRows &&
                   static_cast<std::int64_t>(batch.size() + 1) * width <= options.maxBatchTokens &&
                   // Rows much shorter than the batch's first would mostly compute padding.
                   4 * static_cast<std::int64_t>(m_rows[packed[k]].ids.size()) >= 3 * width)
                batch.push_back(packed[k++]);
            jobs.push_back([this, batch] { runPacked(batch); });
        }
        SideBySideOptions sbs;
        sbs.stop = &m_stop;
        sbs.beforeTask = [this](std::int64_t) { report(); };
        sbs.useThreads = jobs.size() > 1 && m_dec.runsSideBySide();
        runSideBySide(static_cast<std::int64_t>(jobs.size()),
                      [&](std::int64_t j) { jobs[static_cast<std::size_t>(j)](); }, sbs);
    }

    std::vector<LoglikelihoodScore> out;

private:
    // On the calling thread; the other threads only stop when it has stopped.
    void report()
    {
        if (onCallingThread())
            reportProgress(m_progress, {"loglikelihood", m_done.load(), static_cast<std::int64_t>(out.size()), {}});
        else if (m_stop.load(std::memory_order_relaxed))
            throw Cancelled();
    }

    void count(std::int64_t tokens)
    {
        const std::lock_guard lock(m_statsMutex);
        ++m_stats.forwards;
        m_stats.forwardTokens += tokens;
    }

    ForwardOptions forwardOptions(KvCache *cache = nullptr)
    {
        ForwardOptions fo;
        fo.progress = [this](const Progress &) {
            report();
            return true;
        };
        fo.cache = cache;
        return fo;
    }

    std::vector<std::size_t> allRows() const
    {
        std::vector<std::size_t> rows(m_rows.size());
        std::iota(rows.begin(), rows.end(), 0);
        return rows;
    }

    // A job per group of two or more rows with a shared prefix; returns the single rows.
    std::vector<std::size_t> sharedGroups(std::vector<std::function<void()>> &jobs)
    {
        std::vector<std::size_t> byGroup = allRows(), single;
        std::stable_sort(byGroup.begin(), byGroup.end(), [&](std::size_t a, std::size_t b) {
            return m_rows[a].group < m_rows[b].group;
        });
        for (std::size_t k = 0; k < byGroup.size();) {
            std::size_t e = k;
            while (e < byGroup.size() && m_rows[byGroup[e]].group == m_rows[byGroup[k]].group)
                ++e;
            std::vector<std::size_t> g(byGroup.begin() + static_cast<std::ptrdiff_t>(k),
                                       byGroup.begin() + static_cast<std::ptrdiff_t>(e));
            if (g.size() >= 2)
                jobs.push_back([this, g] { runShared(g); });
            else
                single.push_back(g[0]);
            k = e;
        }
        return single;
    }

    // Reads every span of `batchRows` from the batch's hidden states with one chunked head pass.
    void finish(const std::vector<std::size_t> &batchRows, const BatchHidden &bh)
    {
        std::vector<std::int64_t> index, targets;
        for (std::size_t r : batchRows)
            for (std::size_t i : m_rows[r].requests)
                for (std::size_t t = 0; t < m_spans[i].targets.size(); ++t) {
                    index.push_back(bh.index(r, m_spans[i].first + static_cast<std::int64_t>(t)));
                    targets.push_back(m_spans[i].targets[t]);
                }
        const auto N = static_cast<std::int64_t>(index.size());
        const torch::Tensor idx = torch::tensor(index, torch::kLong).to(bh.flat.device());
        // tokenNll predicts ids[:, 1] from hidden[:, 0]: pair each state with its target.
        const torch::Tensor h = bh.flat.index_select(0, idx).unsqueeze(1);
        const torch::Tensor hidden = torch::cat({h, torch::zeros_like(h)}, 1);
        torch::Tensor ids = torch::zeros({N, 2}, torch::kLong);
        ids.select(1, 1).copy_(torch::tensor(targets, torch::kLong));
        const torch::Tensor nll = m_dec.tokenNll(hidden, ids).to(torch::kCPU, torch::kDouble).reshape({N});
        const double *p = nll.data_ptr<double>();
        std::int64_t k = 0;
        for (std::size_t r : batchRows)
            for (std::size_t i : m_rows[r].requests) {
                double sum = 0;
                for (std::size_t t = 0; t < m_spans[i].targets.size(); ++t)
                    sum -= p[k++];
                out[i] = {sum, static_cast<std::int64_t>(m_spans[i].targets.size())};
                ++m_done;
            }
        report();
    }

    // Right-padded batch of whole rows.
    void runPacked(const std::vector<std::size_t> &batchRows)
    {
        std::vector<const std::vector<std::int32_t> *> ids;
        std::int64_t width = 0;
        for (std::size_t r : batchRows) {
            ids.push_back(&m_rows[r].ids);
            width = std::max<std::int64_t>(width, static_cast<std::int64_t>(m_rows[r].ids.size()));
        }
        const torch::Tensor hidden = m_dec.forwardHidden(idsTensor(ids, 0, width), forwardOptions());
        count(static_cast<std::int64_t>(ids.size()) * width);
        std::vector<std::int64_t> slot(m_rows.size(), -1);
        for (std::size_t b = 0; b < batchRows.size(); ++b)
            slot[batchRows[b]] = static_cast<std::int64_t>(b);
        finish(batchRows, {hidden.reshape({-1, hidden.size(2)}),
                           [&, width](std::size_t r, std::int64_t pos) { return slot[r] * width + pos; }});
    }

    // The rows of one item: common prefix once, then the suffixes over a shared KV cache.
    void runShared(const std::vector<std::size_t> &groupRows)
    {
        std::size_t prefix = m_rows[groupRows[0]].ids.size();
        for (std::size_t r : groupRows) {
            const auto &a = m_rows[groupRows[0]].ids, &b = m_rows[r].ids;
            const std::size_t lim = std::min(prefix, b.size());
            std::size_t p = 0;
            while (p < lim && a[p] == b[p])
                ++p;
            prefix = p;
        }
        // Every row keeps at least one suffix token, so the suffix batch is never empty.
        std::size_t shortest = SIZE_MAX;
        for (std::size_t r : groupRows)
            shortest = std::min(shortest, m_rows[r].ids.size());
        const auto P = static_cast<std::int64_t>(std::min(prefix, shortest - 1));
        KvCache cache(static_cast<std::size_t>(m_dec.numLayers()));
        const ForwardOptions fo = forwardOptions(&cache);
        torch::Tensor prefixHidden;
        if (P > 0) {
            prefixHidden = m_dec.forwardHidden(idsTensor({&m_rows[groupRows[0]].ids}, 0, P), fo);
            count(P);
            const auto B = static_cast<std::int64_t>(groupRows.size());
            for (std::size_t l = 0; l < cache.keys.size(); ++l) {
                cache.keys[l] = cache.keys[l].expand({B, -1, -1, -1});
                cache.values[l] = cache.values[l].expand({B, -1, -1, -1});
            }
        }
        std::vector<const std::vector<std::int32_t> *> ids;
        std::int64_t width = 0;
        for (std::size_t r : groupRows) {
            ids.push_back(&m_rows[r].ids);
            width = std::max<std::int64_t>(width, static_cast<std::int64_t>(m_rows[r].ids.size()) - P);
        }
        const torch::Tensor suffixHidden = m_dec.forwardHidden(idsTensor(ids, P, width), fo);
        count(static_cast<std::int64_t>(ids.size()) * width);
        const torch::Tensor suffixFlat = suffixHidden.reshape({-1, suffixHidden.size(2)});
        const torch::Tensor flat =
            P > 0 ? torch::cat({prefixHidden.reshape({P, -1}), suffixFlat}, 0) : suffixFlat;
        std::vector<std::int64_t> slot(m_rows.size(), -1);
        for (std::size_t b = 0; b < groupRows.size(); ++b)
            slot[groupRows[b]] = static_cast<std::int64_t>(b);
        finish(groupRows, {flat, [&, P, width](std::size_t r, std::int64_t pos) {
                               return pos < P ? pos : P + slot[r] * width + (pos - P);
                           }});
    }

    Decoder &m_dec;
    const std::vector<Row> &m_rows;
    const std::vector<Span> &m_spans;
    ScoringStats &m_stats;
    std::mutex m_statsMutex;
    const ProgressFn &m_progress;
    std::atomic<bool> m_stop{false};
    std::atomic<std::int64_t> m_done{0};
};

} // namespace

namespace {
const EnumNames<Batching, 4> kBatchingNames{"batching",
                                            {{{Batching::Auto, "auto"},
                                              {Batching::Packed, "packed"},
                                              {Batching::SharedPrefix, "shared"},
                                              {Batching::None, "none"}}}};
} // namespace

const char *batchingName(Batching b) { return kBatchingNames.name(b, "?"); }

Batching batchingFromString(const std::string &name) { return kBatchingNames.value(name); }

EncodedRequest encodeRequest(const Tokenizer &tokenizer, const LoglikelihoodRequest &request,
                             bool addBos)
{
    std::string context = request.context;
    std::string continuation = request.continuation;
    // Python's rstrip(): any trailing whitespace moves to the continuation.
    const std::size_t keep = context.find_last_not_of(" \t\n\r\v\f");
    const std::size_t cut = keep == std::string::npos ? 0 : keep + 1;
    if (cut < context.size()) {
        continuation = context.substr(cut) + continuation;
        context.resize(cut);
    }
    EncodedRequest e;
    const std::vector<std::int32_t> whole = tokenizer.encode(context + continuation, false);
    if (!context.empty())
        e.context = tokenizer.encode(context, false);
    const std::size_t split = std::min(e.context.size(), whole.size());
    e.continuation.assign(whole.begin() + static_cast<std::ptrdiff_t>(split), whole.end());
    const auto bos = tokenizer.bosId();
    if (e.context.empty() || (addBos && bos)) {
        const auto prefix = bos ? bos : tokenizer.eosId();
        if (!prefix)
            throw Error(tokenizer.path(), "an empty context needs a BOS or EOS token");
        e.context.insert(e.context.begin(), *prefix);
    }
    if (e.continuation.empty())
        throw Error("continuation \"" + request.continuation + "\" after context \"" +
                    request.context.substr(0, 60) + "\" encodes to no tokens");
    return e;
}

LoglikelihoodScorer::LoglikelihoodScorer(Model &model, const Tokenizer &tokenizer,
                                         ScorerOptions options)
    : m_model(model), m_tokenizer(tokenizer), m_options(options)
{
}

Batching LoglikelihoodScorer::resolvedBatching() const
{
    if (m_options.batching != Batching::Auto)
        return m_options.batching;
    return m_model.config().hiddenSize >= 512 ? Batching::SharedPrefix : Batching::Packed;
}

std::vector<LoglikelihoodScore>
LoglikelihoodScorer::score(const std::vector<LoglikelihoodRequest> &requests,
                           const std::vector<std::int64_t> &groups, const ProgressFn &progress)
{
    std::vector<EncodedRequest> encoded;
    encoded.reserve(requests.size());
    for (const auto &r : requests)
        encoded.push_back(encodeRequest(m_tokenizer, r, m_options.addBos));
    return scoreEncoded(encoded, groups, progress);
}

std::vector<LoglikelihoodScore>
LoglikelihoodScorer::scoreEncoded(const std::vector<EncodedRequest> &requests,
                                  const std::vector<std::int64_t> &groups,
                                  const ProgressFn &progress)
{
    torch::NoGradGuard noGrad;
    const auto start = std::chrono::steady_clock::now();
    if (!groups.empty() && groups.size() != requests.size())
        throw Error("loglikelihood: " + std::to_string(groups.size()) + " group tags for " +
                    std::to_string(requests.size()) + " requests");
    m_stats = {};
    m_stats.requests = static_cast<std::int64_t>(requests.size());
    m_stats.batching = resolvedBatching();
    std::int64_t maxLength = m_options.maxLength;
    if (maxLength <= 0)
        maxLength = m_model.config().maxPositionEmbeddings > 0
                        ? m_model.config().maxPositionEmbeddings : 2048;
    RowPlan plan = planRows(requests, groups, maxLength, m_model.config().vocabSize, m_stats);
    BatchRunner runner(m_model.decoder(), plan, m_stats, progress);
    runner.runAll(m_stats.batching, m_options);
    m_stats.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return std::move(runner.out);
}

} // namespace lieq
