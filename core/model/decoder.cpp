#include "core/model/decoder_impl.h"

#include "core/model/compute_threads.h"
#include "core/model/parallel_ops_impl.h"
#include "core/model/parallel_rows_impl.h"
#include "core/model/rope.h"
#include "core/model/tensor_ops_impl.h"
#include "core/util/error.h"
#include "core/util/thread_pool.h"
#include "kernels/attention.h"
#include "kernels/matmul.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

namespace lieq {

namespace {

torch::Device chooseDevice(const std::string &name)
{
    if (name == "cpu")
        return torch::kCPU;
    if (name == "cuda") {
        if (!torch::cuda::is_available())
            throw Error("device \"cuda\" requested but this libtorch has no usable CUDA device");
        return torch::kCUDA;
    }
    if (name == "auto" || name.empty())
        return torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
    throw Error("unknown device \"" + name + "\" (expected auto, cpu or cuda)");
}

std::int64_t physicalMemoryBytes()
{
    const long pages = ::sysconf(_SC_PHYS_PAGES);
    const long pageSize = ::sysconf(_SC_PAGESIZE);
    return pages > 0 && pageSize > 0 ? static_cast<std::int64_t>(pages) * pageSize : (8ll << 30);
}

} // namespace

std::int64_t LayerWeights::bytes() const
{
    std::int64_t n = 0;
    for (const torch::Tensor *t : {&inputNorm, &postAttnNorm, &qNorm, &kNorm})
        if (t->defined())
            n += t->numel() * 4;
    for (const auto &l : linears)
        if (l)
            n += l->inFeatures() * l->outFeatures() * 4;
    return n;
}

bool Decoder::runsSideBySide() const
{
    return m_resident && device().is_cpu() && ThreadPool::global().threads() > 1;
}

Decoder::Decoder(std::shared_ptr<const Checkpoint> checkpoint, const ModelOptions &options)
    : m_config(checkpoint->config()), m_options(options),
      m_source(checkpoint, chooseDevice(options.device))
{
    const ModelConfig &c = m_config;
    const std::string configFile = checkpoint->dir() + "/config.json";
    if (c.numHeads <= 0 || c.numKvHeads <= 0 || c.numHeads % c.numKvHeads != 0)
        throw Error(configFile, "num_attention_heads must be a positive multiple of "
                                "num_key_value_heads");
    if (c.numLayers <= 0 || c.hiddenSize <= 0 || c.vocabSize <= 0 || c.intermediateSize <= 0)
        throw Error(configFile, "layers, hidden size, FFN size and vocabulary must be positive");

    const std::string embed = "model.embed_tokens.weight";
    m_headName = (c.tieWordEmbeddings || !checkpoint->contains("lm_head.weight")) ? embed
                                                                                   : "lm_head.weight";
    // Validate shapes of the non-layer tensors up front; layers are checked when loaded.
    const std::vector<std::int64_t> tableShape = {c.vocabSize, c.hiddenSize};
    for (const std::string &n : {embed, m_headName}) {
        const TensorView &v = checkpoint->tensor(n);
        if (v.shape != tableShape)
            throw Error(v.file, "tensor " + n + " should be [vocab_size, hidden_size] = [" +
                                    std::to_string(c.vocabSize) + ", " +
                                    std::to_string(c.hiddenSize) + "]");
    }
    m_finalNorm = m_source.fp32("model.norm.weight", {c.hiddenSize});

    m_fp32Bytes = m_source.fp32Bytes(m_headName);
    for (int l = 0; l < numLayers(); ++l)
        for (const std::string &n : layerTensorNames(l))
            m_fp32Bytes += m_source.fp32Bytes(n);
    const std::int64_t budget = options.residentBudgetBytes >= 0
                                    ? options.residentBudgetBytes
                                    : physicalMemoryBytes() * 2 / 5;
    m_resident = m_fp32Bytes <= budget;
    m_layers.resize(static_cast<std::size_t>(numLayers()));
    m_invFreq = ropeInverseFrequencies(c);
    holdLibraryThreadsAtOne();
}

Decoder::~Decoder() = default;

std::string Decoder::layerPrefix(int layer) const
{
    return "model.layers." + std::to_string(layer) + ".";
}

std::string Decoder::linearTensorName(int layer, Projection proj) const
{
    return layerPrefix(layer) + std::string(projectionTensorStem(proj)) + ".weight";
}

std::vector<std::string> Decoder::layerTensorNames(int layer) const
{
    const std::string p = layerPrefix(layer);
    std::vector<std::string> names = {p + "input_layernorm.weight",
                                      p + "post_attention_layernorm.weight"};
    if (m_config.qkNorm) {
        names.push_back(p + "self_attn.q_norm.weight");
        names.push_back(p + "self_attn.k_norm.weight");
    }
    for (Projection proj : kAllProjections) {
        // A quantized checkpoint has no float weight for the linears it replaces (setLinear);
        // a weight missing without an override still fails in loadLayer, naming the tensor.
        if (checkpoint().contains(linearTensorName(layer, proj)))
            names.push_back(linearTensorName(layer, proj));
        const std::string bias = p + std::string(projectionTensorStem(proj)) + ".bias";
        if (checkpoint().contains(bias))
            names.push_back(bias);
    }
    return names;
}

std::shared_ptr<LayerWeights> Decoder::loadLayer(int layer) const
{
    const ModelConfig &c = m_config;
    const std::string p = layerPrefix(layer);
    const std::int64_t H = c.hiddenSize, I = c.intermediateSize, D = c.headDim;
    const std::int64_t qOut = c.numHeads * D, kvOut = c.numKvHeads * D;
    auto w = std::make_shared<LayerWeights>();
    w->inputNorm = m_source.fp32(p + "input_layernorm.weight", {H});
    w->postAttnNorm = m_source.fp32(p + "post_attention_layernorm.weight", {H});
    if (c.qkNorm) {
        w->qNorm = m_source.fp32(p + "self_attn.q_norm.weight", {D});
        w->kNorm = m_source.fp32(p + "self_attn.k_norm.weight", {D});
    }
    for (Projection proj : kAllProjections) {
        if (auto it = m_overrides.find({layer, proj}); it != m_overrides.end()) {
            w->linears[static_cast<int>(proj)] = it->second;
            continue;
        }
        std::int64_t out = 0, in = 0;
        switch (proj) {
        case Projection::Q: out = qOut; in = H; break;
        case Projection::K:
        case Projection::V: out = kvOut; in = H; break;
        case Projection::O: out = H; in = qOut; break;
        case Projection::Gate:
        case Projection::Up: out = I; in = H; break;
        case Projection::Down: out = H; in = I; break;
        }
        const std::string stem = p + std::string(projectionTensorStem(proj));
        const bool qkv = proj == Projection::Q || proj == Projection::K || proj == Projection::V;
        const bool mlp = proj == Projection::Gate || proj == Projection::Up ||
                         proj == Projection::Down;
        // qwen2 has q/k/v biases only; llama's attention_bias also biases o_proj.
        const bool biasRequired = (qkv && c.attentionBias) || (mlp && c.mlpBias);
        torch::Tensor bias;
        if (biasRequired || checkpoint().contains(stem + ".bias"))
            bias = m_source.fp32(stem + ".bias", {out});
        w->linears[static_cast<int>(proj)] =
            std::make_shared<DenseLinear>(m_source.fp32(stem + ".weight", {out, in}), bias);
    }
    return w;
}

std::shared_ptr<const LayerWeights> Decoder::acquireLayer(int layer)
{
    if (layer < 0 || layer >= numLayers())
        throw Error("layer " + std::to_string(layer) + " out of range (model has " +
                    std::to_string(numLayers()) + ")");
    auto &slot = m_layers[static_cast<std::size_t>(layer)];
    if (!slot) {
        slot = loadLayer(layer);
        // Converted copies no longer need the stored bytes; zero-copy views still do.
        if (m_resident)
            for (const std::string &n : layerTensorNames(layer))
                if (!m_source.isZeroCopy(n))
                    m_source.dropPages(n);
    }
    return slot;
}

void Decoder::releaseLayer(int layer)
{
    if (m_resident || layer < 0 || layer >= numLayers())
        return;
    m_layers[static_cast<std::size_t>(layer)].reset();
    for (const std::string &n : layerTensorNames(layer))
        m_source.dropPages(n);
}

void Decoder::setLinear(int layer, Projection proj, std::shared_ptr<const LinearOp> op)
{
    if (layer < 0 || layer >= numLayers())
        throw Error("setLinear: layer " + std::to_string(layer) + " out of range");
    m_overrides[{layer, proj}] = op;
    if (auto &slot = m_layers[static_cast<std::size_t>(layer)])
        slot->linears[static_cast<int>(proj)] = std::move(op);
}

void Decoder::clearLinearOverrides()
{
    m_overrides.clear();
    for (auto &slot : m_layers)
        slot.reset(); // reloaded from the checkpoint on next use
}

torch::Tensor Decoder::embed(const torch::Tensor &ids) const
{
    torch::NoGradGuard noGrad;
    if (ids.dim() != 2)
        throw Error("embed expects token ids of shape [batch, tokens]");
    const torch::Tensor flat = ids.reshape({-1}).to(torch::kCPU, torch::kLong);
    if (flat.numel() > 0) {
        const std::int64_t lo = flat.min().item<std::int64_t>();
        const std::int64_t hi = flat.max().item<std::int64_t>();
        if (lo < 0 || hi >= m_config.vocabSize)
            throw Error("token id " + std::to_string(lo < 0 ? lo : hi) +
                        " is outside the vocabulary (size " + std::to_string(m_config.vocabSize) +
                        ")");
    }
    return m_source.fp32Gather("model.embed_tokens.weight", flat)
        .view({ids.size(0), ids.size(1), m_config.hiddenSize});
}

void Decoder::ropeTables(std::int64_t begin, std::int64_t end, torch::Tensor &cos,
                         torch::Tensor &sin)
{
    std::lock_guard lock(m_ropeMutex);
    const std::int64_t have = m_cos.defined() ? m_cos.size(0) : 0;
    if (end > have) {
        const std::int64_t n = std::max<std::int64_t>(end, std::max<std::int64_t>(2 * have, 512));
        const std::int64_t half = static_cast<std::int64_t>(m_invFreq.size());
        torch::Tensor c = torch::empty({n, half}, torch::kFloat32);
        torch::Tensor s = torch::empty({n, half}, torch::kFloat32);
        float *cp = c.data_ptr<float>();
        float *sp = s.data_ptr<float>();
        // Angles in double: fp32 products lose precision at large positions.
        for (std::int64_t pos = 0; pos < n; ++pos)
            for (std::int64_t i = 0; i < half; ++i) {
                const double a = static_cast<double>(pos) * m_invFreq[static_cast<std::size_t>(i)];
                cp[pos * half + i] = static_cast<float>(std::cos(a));
                sp[pos * half + i] = static_cast<float>(std::sin(a));
            }
        m_cos = c.to(device());
        m_sin = s.to(device());
    }
    cos = m_cos.slice(0, begin, end);
    sin = m_sin.slice(0, begin, end);
}

torch::Tensor Decoder::attention(const torch::Tensor &q, const torch::Tensor &k,
                                 const torch::Tensor &v, std::int64_t queryStart) const
{
    const std::int64_t B = q.size(0), nh = q.size(1), T = q.size(2), hd = q.size(3);
    const std::int64_t nkv = k.size(1), Tk = k.size(2), group = nh / nkv;
    const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
    const std::int64_t chunk = std::max<std::int64_t>(1, m_options.attentionQueryChunk);
    const std::int64_t window = m_config.slidingWindow.value_or(0);
    // Written through a [B, nh, T, hd] view of the [B, T, nh, hd] result, so the output
    // projection needs no transposed copy.
    const torch::Tensor result = torch::empty({B, T, nh, hd}, q.options());
    const std::int64_t macs = 2 * B * nh * T * Tk * hd;
    // Decode (one query position) on CPU: each kv head's query group straight over the cache
    // rows through kernels::attendDecode, instead of ~10 torch calls per kv head below.
    const std::int64_t keyStart = window > 0 ? std::max<std::int64_t>(0, queryStart - window + 1) : 0;
    const std::int64_t keyEnd = std::min(Tk, queryStart + 1);
    if (T == 1 && q.device().is_cpu() && keyEnd > keyStart && q.scalar_type() == torch::kFloat32 &&
        k.scalar_type() == torch::kFloat32 && v.scalar_type() == torch::kFloat32 &&
        q.stride(3) == 1 && k.stride(3) == 1 && v.stride(3) == 1) {
        const float *qp = q.data_ptr<float>(), *kp = k.data_ptr<float>(), *vp = v.data_ptr<float>();
        float *op = result.data_ptr<float>();
        const auto groups = [&](std::int64_t first, std::int64_t last) {
            for (std::int64_t p = first; p < last; ++p) {
                const std::int64_t b = p / nkv, g = p % nkv;
                kernels::DecodeAttention a;
                a.heads = group;
                a.headDim = hd;
                a.q = qp + b * q.stride(0) + g * group * q.stride(1);
                a.qStride = q.stride(1);
                a.k = kp + b * k.stride(0) + g * k.stride(1) + keyStart * k.stride(2);
                a.v = vp + b * v.stride(0) + g * v.stride(1) + keyStart * v.stride(2);
                a.kStride = k.stride(2);
                a.vStride = v.stride(2);
                a.keys = keyEnd - keyStart;
                a.scale = static_cast<float>(scale);
                a.out = op + (b * nh + g * group) * hd;
                a.outStride = hd;
                kernels::attendDecode(a);
            }
        };
        if (macs < kMinParallelMacs)
            groups(0, B * nkv);
        else
            parallelFor(B * nkv, groups, 1);
        return result.view({B, T, nh * hd});
    }
    const torch::Tensor out = result.permute({0, 2, 1, 3});
    const auto longOpts = torch::TensorOptions().dtype(torch::kLong).device(q.device());
    // One task per (window, kv head): head h uses kv head h / group (HF repeat_kv), so the
    // group of query heads that share a kv head is one matrix product.
    const auto pairs = [&](std::int64_t first, std::int64_t last) {
        for (std::int64_t p = first; p < last; ++p) {
            const std::int64_t b = p / nkv, g = p % nkv;
            const torch::Tensor qg = q[b].view({nkv, group, T, hd})[g];
            const torch::Tensor og = out[b].unflatten(0, {nkv, group})[g];
            for (std::int64_t t0 = 0; t0 < T; t0 += chunk) {
                const std::int64_t t1 = std::min(T, t0 + chunk), c = t1 - t0;
                // Causality: keys after the chunk's last query are never visible.
                const std::int64_t kEnd = std::min(Tk, queryStart + t1);
                const std::int64_t kStart =
                    window > 0 ? std::max<std::int64_t>(0, queryStart + t0 - window + 1) : 0;
                const torch::Tensor kc = k[b][g].slice(0, kStart, kEnd);
                const torch::Tensor vc = v[b][g].slice(0, kStart, kEnd);
                const torch::Tensor qc = qg.slice(1, t0, t1).reshape({group * c, hd});
                torch::Tensor s = torch::mm(qc, kc.t()).mul_(scale);
                const torch::Tensor pos =
                    torch::arange(queryStart + t0, queryStart + t1, longOpts).unsqueeze(1);
                const torch::Tensor key = torch::arange(kStart, kEnd, longOpts).unsqueeze(0);
                torch::Tensor mask = key > pos;
                if (window > 0)
                    mask = mask.logical_or(pos - key >= window);
                s.view({group, c, kEnd - kStart})
                    .masked_fill_(mask, -std::numeric_limits<float>::infinity());
                const torch::Tensor o = torch::mm(torch::softmax(s, -1), vc);
                og.slice(1, t0, t1).copy_(o.view({group, c, hd}));
            }
        }
    };
    if (macs < kMinParallelMacs || !q.device().is_cpu())
        pairs(0, B * nkv);
    else
        parallelFor(B * nkv, pairs, 1);
    return result.view({B, T, nh * hd});
}

torch::Tensor Decoder::runLayer(int layer, const torch::Tensor &hidden,
                                std::int64_t positionOffset, const CaptureFn &capture,
                                KvCache *cache)
{
    torch::NoGradGuard noGrad;
    const ModelConfig &c = m_config;
    const std::int64_t B = hidden.size(0), T = hidden.size(1);
    const std::int64_t nh = c.numHeads, nkv = c.numKvHeads, D = c.headDim;
    const double eps = c.rmsNormEps;
    const auto w = acquireLayer(layer);

    const torch::Tensor h = parallelRmsNorm(hidden, w->inputNorm, eps);
    if (capture)
        for (Projection p : {Projection::Q, Projection::K, Projection::V})
            capture(layer, p, h);
    torch::Tensor cos, sin;
    ropeTables(positionOffset, positionOffset + T, cos, sin);
    // Per-head norms (Qwen3), rotary embedding and the transpose to [B, heads, T, D] in one
    // pass over the projections' outputs.
    AttentionInputs in = parallelAttentionInputs(
        w->linear(Projection::Q).forward(h).view({B, T, nh, D}),
        w->linear(Projection::K).forward(h).view({B, T, nkv, D}),
        w->linear(Projection::V).forward(h).view({B, T, nkv, D}), w->qNorm, w->kNorm, eps, cos,
        sin);
    torch::Tensor k = in.k, v = in.v;
    if (cache) {
        auto &ck = cache->keys.at(static_cast<std::size_t>(layer));
        auto &cv = cache->values.at(static_cast<std::size_t>(layer));
        const std::int64_t past = ck.defined() ? ck.size(2) : 0;
        if (past != positionOffset)
            throw Error("KV cache of layer " + std::to_string(layer) + " holds " +
                        std::to_string(past) + " positions, expected " +
                        std::to_string(positionOffset));
        const std::size_t l = static_cast<std::size_t>(layer);
        ck = k = appendToCache(cache->keyStore.at(l), ck, k);
        cv = v = appendToCache(cache->valueStore.at(l), cv, v);
    }
    const torch::Tensor attn = attention(in.q, k, v, positionOffset);
    if (capture)
        capture(layer, Projection::O, attn);
    torch::Tensor x = w->linear(Projection::O).forward(attn);
    parallelAdd_(x, hidden);

    const torch::Tensor h2 = parallelRmsNorm(x, w->postAttnNorm, eps);
    if (capture) {
        capture(layer, Projection::Gate, h2);
        capture(layer, Projection::Up, h2);
    }
    torch::Tensor act = w->linear(Projection::Gate).forward(h2);
    parallelSiluMul_(act, w->linear(Projection::Up).forward(h2));
    if (capture)
        capture(layer, Projection::Down, act);
    torch::Tensor out = w->linear(Projection::Down).forward(act);
    return parallelAdd_(out, x);
}

torch::Tensor Decoder::runLayers(torch::Tensor hidden, int first, int last,
                                 const ForwardOptions &options)
{
    torch::NoGradGuard noGrad;
    if (first < 0 || last > numLayers() || first > last)
        throw Error("layer range [" + std::to_string(first) + ", " + std::to_string(last) +
                    ") is outside the model's " + std::to_string(numLayers()) + " layers");
    hidden = hidden.to(device(), torch::kFloat32);
    const std::int64_t offset = options.cache ? options.cache->length : 0;
    // A decode step (one position of one sequence through the cache) on CPU rows in place.
    if (options.cache && !options.capture && hidden.device().is_cpu() && hidden.dim() == 3 &&
        hidden.size(0) == 1 && hidden.size(1) == 1 && fusedDecodeEnabled()) {
        torch::Tensor x = hidden.clone(torch::MemoryFormat::Contiguous);
        for (int l = first; l < last; ++l) {
            reportProgress(options.progress, {"layers", l - first, last - first, {}});
            if (options.skipLayers.count(l))
                continue;
            decodeLayer(l, x.data_ptr<float>(), offset, *options.cache);
            releaseLayer(l);
        }
        reportProgress(options.progress, {"layers", last - first, last - first, {}});
        if (last == numLayers())
            options.cache->length += 1;
        return x;
    }
    for (int l = first; l < last; ++l) {
        reportProgress(options.progress, {"layers", l - first, last - first, {}});
        if (options.skipLayers.count(l))
            continue;
        hidden = runLayer(l, hidden, offset, options.capture, options.cache);
        releaseLayer(l);
    }
    reportProgress(options.progress, {"layers", last - first, last - first, {}});
    if (options.cache && last == numLayers())
        options.cache->length += hidden.size(1);
    return hidden;
}

torch::Tensor Decoder::forwardHidden(const torch::Tensor &ids, const ForwardOptions &options)
{
    return runLayers(embed(ids), 0, numLayers(), options);
}

torch::Tensor Decoder::finalNorm(const torch::Tensor &hidden) const
{
    return parallelRmsNorm(hidden, m_finalNorm, m_config.rmsNormEps);
}

torch::Tensor Decoder::headRows(std::int64_t begin, std::int64_t end)
{
    if (m_resident) {
        if (!m_head.defined()) {
            m_head = m_source.fp32(m_headName);
            if (!m_source.isZeroCopy(m_headName))
                m_source.dropPages(m_headName);
        }
        return m_head.slice(0, begin, end);
    }
    return m_source.fp32Rows(m_headName, begin, end);
}

torch::Tensor Decoder::tokenNll(const torch::Tensor &hidden, const torch::Tensor &ids)
{
    torch::NoGradGuard noGrad;
    const std::int64_t B = hidden.size(0), T = hidden.size(1), H = hidden.size(2);
    const std::int64_t V = m_config.vocabSize;
    if (ids.size(0) != B || ids.size(1) != T)
        throw Error("tokenNll: ids and hidden states disagree in shape");
    if (T < 2)
        return torch::zeros({B, 0}, torch::TensorOptions().device(device()));
    const std::int64_t N = B * (T - 1);
    const torch::Tensor h = finalNorm(hidden.slice(1, 0, T - 1)).reshape({N, H}).contiguous();
    const torch::Tensor targets = ids.slice(1, 1, T).reshape({N}).to(device(), torch::kLong);
    // Vocabulary blocks with a logsumexp and the target logit each, combined at the end, so
    // [N, vocab] never exists at once. Blocks run in parallel (each one BLAS call on its own
    // rows of the head); their logits stay under ~256 MB together.
    // Inside a SerialScope (a side-by-side task) the blocks run inline: block as on one thread.
    const int threads = h.device().is_cpu() && !ThreadPool::SerialScope::active()
        ? ThreadPool::global().threads()
        : 1;
    const std::int64_t memBlock = std::max<std::int64_t>(256, (256ll << 20) / (4 * N * threads));
    const std::int64_t parBlock = (V + 2 * threads - 1) / (2 * threads);
    const std::int64_t block =
        std::min(V, std::max<std::int64_t>(256, threads > 1 && N * H * V >= kMinParallelMacs
                                                    ? std::min(memBlock, parBlock)
                                                    : memBlock));
    const std::int64_t blocks = (V + block - 1) / block;
    if (m_resident)
        headRows(0, 0); // materialises the head before threads share it
    torch::Tensor lse = torch::empty({blocks, N}, h.options());
    torch::Tensor target = torch::zeros({blocks, N}, h.options());
    const auto run = [&](std::int64_t first, std::int64_t last) {
        for (std::int64_t i = first; i < last; ++i) {
            const std::int64_t v0 = i * block, v1 = std::min(V, v0 + block);
            const torch::Tensor logits = torch::mm(h, headRows(v0, v1).t());
            lse[i].copy_(torch::logsumexp(logits, 1));
            const torch::Tensor inside = (targets >= v0).logical_and(targets < v1);
            const torch::Tensor local = (targets - v0).clamp(0, v1 - v0 - 1).unsqueeze(1);
            target[i].copy_(torch::where(inside, logits.gather(1, local).squeeze(1), target[i]));
        }
    };
    if (blocks > 1 && m_resident)
        parallelFor(blocks, run, 1);
    else
        run(0, blocks); // a streamed head is read block by block from the mapping
    if (!m_resident)
        m_source.dropPages(m_headName);
    return (torch::logsumexp(lse, 0) - target.sum(0)).view({B, T - 1});
}

namespace {

// Decode and other short inputs on CPU: the head straight from the checkpoint's mapping through
// the kernels (F32/F16/BF16 GEMV at memory speed, split over the pool) rather than a resident
// fp32 copy: a 0.6B model's tied head is 311 MB as bf16 but 622 MB as fp32, in memory and read
// once per generated token. Longer inputs keep the BLAS path (the kernels' GEMM reuses no
// weights across more than a few rows).
constexpr std::int64_t kKernelHeadRows = 64;

bool headThroughKernels(const WeightSource &source, const std::string &name, const torch::Tensor &h,
                        torch::Tensor &out)
{
    if (!h.device().is_cpu() || h.scalar_type() != torch::kFloat32 || h.size(0) > kKernelHeadRows)
        return false;
    const TensorView &v = source.checkpoint().tensor(name);
    const std::optional<kernels::QuantType> type =
        v.dtype == DType::BF16 ? std::optional(kernels::QuantType::BF16)
        : v.dtype == DType::F16 ? std::optional(kernels::QuantType::F16)
        : v.dtype == DType::F32 ? std::optional(kernels::QuantType::F32)
                                : std::nullopt;
    if (!type || v.shape.size() != 2 || v.shape[0] != out.size(1) || v.shape[1] != h.size(1))
        return false;
    source.fp32Rows(name, 0, 1); // the head's first use checks it for NaN/Inf, as on every path
    kernels::matmul({*type, v.shape[0], v.shape[1], v.data, {}}, h.data_ptr<float>(), h.size(0),
                    out.data_ptr<float>());
    return true;
}

} // namespace

torch::Tensor Decoder::logits(const torch::Tensor &hidden)
{
    torch::NoGradGuard noGrad;
    const std::int64_t B = hidden.size(0), T = hidden.size(1), H = hidden.size(2);
    const std::int64_t V = m_config.vocabSize, N = B * T;
    const torch::Tensor h = finalNorm(hidden).reshape({N, H}).contiguous();
    torch::Tensor out = torch::empty({N, V}, h.options());
    if (headThroughKernels(m_source, m_headName, h, out)) {
        if (!m_resident)
            m_source.dropPages(m_headName);
        return out.view({B, T, V});
    }
    if (m_resident) {
        headRows(0, 0);
        parallelMatmulTransposedInto(out, h, m_head);
    } else {
        const std::int64_t chunk =
            std::clamp<std::int64_t>((256ll << 20) / (4 * std::max<std::int64_t>(N, 1)),
                                     std::min<std::int64_t>(1024, V), V);
        for (std::int64_t v0 = 0; v0 < V; v0 += chunk) {
            const std::int64_t v1 = std::min(V, v0 + chunk);
            torch::Tensor block = out.narrow(1, v0, v1 - v0);
            torch::mm_out(block, h, headRows(v0, v1).t());
        }
    }
    if (!m_resident)
        m_source.dropPages(m_headName);
    return out.view({B, T, V});
}

} // namespace lieq
