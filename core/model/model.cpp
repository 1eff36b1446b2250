#include "core/model/model.h"

#include "core/model/decoder_impl.h"
#include "core/util/error.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>

namespace lieq {

namespace {

torch::Tensor idsTensor(const std::vector<std::int32_t> &ids, std::int64_t rows, std::int64_t cols)
{
    torch::Tensor t = torch::empty({rows, cols}, torch::kLong);
    std::copy(ids.begin(), ids.end(), t.data_ptr<std::int64_t>());
    return t;
}

} // namespace

std::unique_ptr<Model> Model::load(const std::string &dir, const ModelOptions &options)
{
    auto checkpoint = std::make_shared<const Checkpoint>(dir);
    std::unique_ptr<Model> m(new Model());
    m->m_dir = dir;
    m->m_decoder = std::make_unique<Decoder>(std::move(checkpoint), options);
    return m;
}

Model::~Model() = default;

const ModelConfig &Model::config() const { return m_decoder->config(); }

bool Model::isResident() const { return m_decoder->resident(); }

std::string Model::deviceName() const { return m_decoder->device().str(); }

bool Model::runsSideBySide() const { return m_decoder->runsSideBySide(); }

std::vector<double> Model::windowNll(const std::vector<std::int32_t> &windows,
                                     std::int64_t seqlen, const std::vector<int> &skipLayers,
                                     const ProgressFn &progress)
{
    torch::NoGradGuard noGrad;
    if (seqlen < 2 || windows.size() % static_cast<std::size_t>(seqlen) != 0)
        throw Error("windowNll: " + std::to_string(windows.size()) +
                    " ids are not a whole number of windows of " + std::to_string(seqlen));
    const std::int64_t count = static_cast<std::int64_t>(windows.size()) / seqlen;
    if (count == 0)
        return {};
    const torch::Tensor ids = idsTensor(windows, count, seqlen);
    ForwardOptions fo;
    fo.skipLayers = std::set<int>(skipLayers.begin(), skipLayers.end());
    fo.progress = progress;
    const torch::Tensor hidden = m_decoder->forwardHidden(ids, fo);
    const torch::Tensor nll = m_decoder->tokenNll(hidden, ids).to(torch::kCPU, torch::kDouble);
    const torch::Tensor sums = nll.sum(1).contiguous();
    return std::vector<double>(sums.data_ptr<double>(), sums.data_ptr<double>() + count);
}

std::vector<float> Model::logits(const std::vector<std::int32_t> &ids,
                                 const std::vector<int> &skipLayers)
{
    torch::NoGradGuard noGrad;
    if (ids.empty())
        return {};
    ForwardOptions fo;
    fo.skipLayers = std::set<int>(skipLayers.begin(), skipLayers.end());
    const torch::Tensor t = idsTensor(ids, 1, static_cast<std::int64_t>(ids.size()));
    const torch::Tensor out =
        m_decoder->logits(m_decoder->forwardHidden(t, fo)).to(torch::kCPU).contiguous();
    return std::vector<float>(out.data_ptr<float>(), out.data_ptr<float>() + out.numel());
}

GenerateResult Model::generate(const std::vector<std::int32_t> &prompt,
                               const GenerateOptions &options, const ProgressFn &progress)
{
    torch::NoGradGuard noGrad;
    if (prompt.empty())
        throw Error("generate needs a non-empty prompt");
    const auto start = std::chrono::steady_clock::now();
    const auto &eos = config().eosTokenIds;
    GenerateResult result;
    std::vector<std::int32_t> sequence = prompt;
    KvCache cache(static_cast<std::size_t>(m_decoder->numLayers()));
    std::vector<std::int32_t> pending = prompt; // tokens the model has not seen yet
    for (int i = 0; i < options.maxNewTokens; ++i) {
        reportProgress(progress, {"generate", i, options.maxNewTokens, {}});
        ForwardOptions fo;
        torch::Tensor ids;
        if (options.useKvCache) {
            fo.cache = &cache;
            ids = idsTensor(pending, 1, static_cast<std::int64_t>(pending.size()));
        } else {
            ids = idsTensor(sequence, 1, static_cast<std::int64_t>(sequence.size()));
        }
        // A decode step (one new token through the cache) on one thread or all, whichever its
        // timing over this model's steps found faster (core/model/decode_threads.h).
        const bool decodeStep = options.useKvCache && i > 0 && m_decoder->device().is_cpu() &&
                                m_decoder->decodeThreads().policy() != DecodeThreadPolicy::PerProduct;
        DecodeThreadChooser::Step way;
        if (decodeStep)
            way = m_decoder->decodeThreads().next(ThreadPool::global().threads());
        const auto stepStart = std::chrono::steady_clock::now();
        std::int32_t next = 0;
        {
            std::optional<DecodeStepScope> scope;
            if (decodeStep)
                scope.emplace(way.allThreads);
            const torch::Tensor hidden = m_decoder->forwardHidden(ids, fo);
            const torch::Tensor last = hidden.slice(1, hidden.size(1) - 1, hidden.size(1));
            next = static_cast<std::int32_t>(
                m_decoder->logits(last).reshape({-1}).argmax().item<std::int64_t>());
        }
        if (decodeStep)
            m_decoder->decodeThreads().record(
                way, std::chrono::duration<double>(std::chrono::steady_clock::now() - stepStart).count());
        result.tokens.push_back(next);
        sequence.push_back(next);
        pending = {next};
        if (options.stopAtEos && std::find(eos.begin(), eos.end(), next) != eos.end()) {
            result.stoppedAtEos = true;
            break;
        }
    }
    reportProgress(progress, {"generate", options.maxNewTokens, options.maxNewTokens, {}});
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

} // namespace lieq
