#include "core/train/lm_trainer.h"

#include "core/io/half.h"
#include "core/io/safetensors.h"
#include "core/model/model.h"
#include "core/train/lr_schedule.h"
#include "core/train/qwen3_net_impl.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <random>

namespace lieq {

struct LmTrainer::Impl
{
    explicit Impl(const LmShape &s) : shape(s), net(s) {}
    LmShape shape;
    train::Qwen3Lm net;
};

namespace {

constexpr std::int64_t kEvalBatch = 8;

// Seeded window starts for one epoch: a random shift so window boundaries differ between
// epochs, then a Fisher-Yates shuffle (own code: std::shuffle differs between libraries).
std::vector<std::int64_t> epochStarts(std::int64_t tokens, std::int64_t seqlen, bool shift,
                                      std::mt19937_64 &rng)
{
    const std::int64_t offset = shift ? static_cast<std::int64_t>(rng() % seqlen) : 0;
    std::vector<std::int64_t> starts;
    for (std::int64_t s = offset; s + seqlen + 1 <= tokens; s += seqlen)
        starts.push_back(s);
    for (std::size_t i = starts.size(); i > 1; --i)
        std::swap(starts[i - 1], starts[rng() % i]);
    return starts;
}

torch::Tensor toLong(const std::vector<std::int32_t> &ids)
{
    torch::Tensor t = torch::empty({static_cast<std::int64_t>(ids.size())}, torch::kInt64);
    std::int64_t *p = t.data_ptr<std::int64_t>();
    for (std::size_t i = 0; i < ids.size(); ++i)
        p[i] = ids[i];
    return t;
}

char *formatLoss(char *buf, std::size_t n, double loss, double lr)
{
    std::snprintf(buf, n, "loss %.4f  lr %.2e", loss, lr);
    return buf;
}

} // namespace

LmTrainer::LmTrainer(const LmShape &shape, std::uint64_t seed)
{
    shape.validate();
    torch::manual_seed(seed);
    m_impl = std::make_unique<Impl>(shape);
    m_impl->net->initialize(shape.initializerRange);
}

LmTrainer::~LmTrainer() = default;

const LmShape &LmTrainer::shape() const { return m_impl->shape; }

std::int64_t LmTrainer::parameterCount() const
{
    std::int64_t n = 0;
    for (const auto &p : m_impl->net->parameters())
        n += p.numel();
    return n;
}

std::vector<double> LmTrainer::windowNll(const std::vector<std::int32_t> &windows,
                                         std::int64_t seqlen)
{
    if (seqlen < 2 || windows.size() % static_cast<std::size_t>(seqlen) != 0)
        throw Error("windowNll: " + std::to_string(windows.size()) +
                    " ids do not form windows of " + std::to_string(seqlen) + " (at least 2)");
    for (std::int32_t id : windows)
        if (id < 0 || id >= m_impl->shape.vocabSize)
            throw Error("windowNll: token id " + std::to_string(id) +
                        " is outside the vocabulary (size " +
                        std::to_string(m_impl->shape.vocabSize) + ")");
    torch::NoGradGuard noGrad;
    const std::int64_t count = static_cast<std::int64_t>(windows.size()) / seqlen;
    const torch::Tensor all = toLong(windows).view({count, seqlen});
    std::vector<double> out;
    out.reserve(static_cast<std::size_t>(count));
    for (std::int64_t w = 0; w < count; w += kEvalBatch) {
        const torch::Tensor nll =
            m_impl->net->rowNll(all.slice(0, w, std::min(count, w + kEvalBatch))).contiguous();
        const double *p = nll.data_ptr<double>();
        out.insert(out.end(), p, p + nll.size(0));
    }
    return out;
}

TrainResult LmTrainer::train(const std::vector<std::int32_t> &trainTokens,
                             const std::vector<std::int32_t> &valWindows, std::int64_t valSeqlen,
                             const TrainOptions &o, const ProgressFn &progress, const LogFn &onLog)
{
    if (o.steps < 1 || o.batchSize < 1 || o.seqlen < 2)
        throw Error("training: steps and batch size must be positive and seqlen at least 2");
    if (static_cast<std::int64_t>(trainTokens.size()) < o.seqlen + 1)
        throw Error("training: " + std::to_string(trainTokens.size()) +
                    " training tokens do not fill one window of " + std::to_string(o.seqlen + 1));
    if (o.seqlen > m_impl->shape.maxPositionEmbeddings)
        throw Error("training: seqlen " + std::to_string(o.seqlen) +
                    " exceeds max_position_embeddings " +
                    std::to_string(m_impl->shape.maxPositionEmbeddings));
    for (std::int32_t id : trainTokens)
        if (id < 0 || id >= m_impl->shape.vocabSize)
            throw Error("training: token id " + std::to_string(id) +
                        " is outside the vocabulary (size " +
                        std::to_string(m_impl->shape.vocabSize) + ")");
    if (o.threads > 0)
        setComputeThreads(o.threads);

    train::Qwen3Lm &net = m_impl->net;
    std::vector<torch::Tensor> decay, noDecay;
    for (const auto &p : net->parameters())
        (p.dim() >= 2 ? decay : noDecay).push_back(p);
    auto groupOptions = [&](double wd) {
        return std::make_unique<torch::optim::AdamWOptions>(
            torch::optim::AdamWOptions(o.learningRate)
                .betas({o.beta1, o.beta2})
                .eps(o.adamEps)
                .weight_decay(wd));
    };
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(decay, groupOptions(o.weightDecay));
    groups.emplace_back(noDecay, groupOptions(0.0));
    torch::optim::AdamW optimizer(std::move(groups),
                                  torch::optim::AdamWOptions(o.learningRate));
    const LrSchedule schedule(o.learningRate, o.warmupSteps, o.steps, o.minLrRatio);

    const torch::Tensor stream = toLong(trainTokens);
    const std::int64_t streamLen = stream.size(0);
    std::mt19937_64 rng(o.seed);
    std::vector<std::int64_t> starts = epochStarts(streamLen, o.seqlen, false, rng);
    std::size_t cursor = 0;

    const std::int64_t valCount =
        valSeqlen >= 2 ? static_cast<std::int64_t>(valWindows.size()) / valSeqlen : 0;
    auto meanValLoss = [&](std::int64_t windows) {
        const std::int64_t n = std::min(windows, valCount);
        const std::vector<std::int32_t> part(valWindows.begin(),
                                             valWindows.begin() + n * valSeqlen);
        net->eval();
        const std::vector<double> nll = windowNll(part, valSeqlen);
        net->train();
        return std::accumulate(nll.begin(), nll.end(), 0.0) /
               static_cast<double>(n * (valSeqlen - 1));
    };

    TrainResult result;
    const auto t0 = std::chrono::steady_clock::now();
    net->train();
    for (std::int64_t step = 0; step < o.steps; ++step) {
        const double lr = schedule.at(step);
        for (auto &g : optimizer.param_groups())
            static_cast<torch::optim::AdamWOptions &>(g.options()).lr(lr);
        std::vector<torch::Tensor> rows;
        for (std::int64_t b = 0; b < o.batchSize; ++b) {
            if (cursor == starts.size()) {
                starts = epochStarts(streamLen, o.seqlen, true, rng);
                cursor = 0;
            }
            const std::int64_t s = starts[cursor++];
            rows.push_back(stream.slice(0, s, s + o.seqlen + 1));
        }
        optimizer.zero_grad();
        const torch::Tensor loss = net->loss(torch::stack(rows));
        loss.backward();
        double gradNorm;
        if (o.gradClip > 0) {
            gradNorm = torch::nn::utils::clip_grad_norm_(net->parameters(), o.gradClip);
        } else {
            double sq = 0;
            for (const auto &p : net->parameters())
                if (p.grad().defined())
                    sq += p.grad().square().sum().item<double>();
            gradNorm = std::sqrt(sq);
        }
        optimizer.step();

        TrainLogEntry e;
        e.step = step + 1;
        e.trainLoss = loss.item<double>();
        if (!std::isfinite(e.trainLoss))
            throw Error("training diverged at step " + std::to_string(e.step) +
                        " (loss is not finite); lower the learning rate");
        e.learningRate = lr;
        e.gradNorm = gradNorm;
        e.tokensSeen = (step + 1) * o.batchSize * o.seqlen;
        if (valCount > 0 && o.evalEvery > 0 && e.step % o.evalEvery == 0 && e.step < o.steps)
            e.valLoss = meanValLoss(std::max<std::int64_t>(1, o.evalWindows));
        e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        result.log.push_back(e);
        if (onLog)
            onLog(e);
        char detail[64];
        reportProgress(progress, {"training", e.step, o.steps,
                                  formatLoss(detail, sizeof detail, e.trainLoss, lr)});
    }

    result.steps = o.steps;
    result.tokensSeen = o.steps * o.batchSize * o.seqlen;
    result.epochs = static_cast<double>(result.tokensSeen) / static_cast<double>(streamLen);
    const std::size_t tail = std::min<std::size_t>(20, result.log.size());
    double sum = 0;
    for (std::size_t i = result.log.size() - tail; i < result.log.size(); ++i)
        sum += result.log[i].trainLoss;
    result.finalTrainLoss = sum / static_cast<double>(tail);
    if (valCount > 0) {
        reportProgress(progress, {"validation", 0, 1, {}});
        result.valLoss = meanValLoss(valCount);
        result.valTokens = valCount * (valSeqlen - 1);
        result.log.back().valLoss = result.valLoss;
        reportProgress(progress, {"validation", 1, 1, {}});
    }
    net->eval();
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return result;
}

void LmTrainer::roundWeightsToBf16()
{
    torch::NoGradGuard noGrad;
    for (auto &p : m_impl->net->parameters()) {
        torch::Tensor c = p.contiguous();
        float *d = c.data_ptr<float>();
        for (std::int64_t i = 0; i < c.numel(); ++i)
            d[i] = bf16ToFloat(floatToBf16(d[i]));
        if (!c.is_same(p))
            p.copy_(c);
    }
}

void LmTrainer::save(const std::string &dir) const
{
    namespace fs = std::filesystem;
    fs::create_directories(dir);
    std::vector<std::vector<std::uint16_t>> storage;
    std::vector<TensorToWrite> tensors;
    const auto named = m_impl->net->named_parameters();
    storage.reserve(named.size());
    for (const auto &p : named) {
        const torch::Tensor t = p.value().detach().contiguous();
        const float *src = t.data_ptr<float>();
        std::vector<std::uint16_t> bf(static_cast<std::size_t>(t.numel()));
        for (std::size_t i = 0; i < bf.size(); ++i)
            bf[i] = floatToBf16(src[i]);
        storage.push_back(std::move(bf));
        TensorToWrite w;
        w.name = p.key();
        w.dtype = DType::BF16;
        w.shape = t.sizes().vec();
        w.data = storage.back().data();
        w.nbytes = storage.back().size() * sizeof(std::uint16_t);
        tensors.push_back(std::move(w));
    }
    writeSafetensors((fs::path(dir) / "model.safetensors").string(), tensors, {{"format", "pt"}});
    writeFileAtomic((fs::path(dir) / "config.json").string(), m_impl->shape.configJson());
}

} // namespace lieq
