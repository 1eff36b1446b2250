#include "core/train/qwen3_net_impl.h"

#include "core/model/rope.h"
#include "core/model/tensor_ops_impl.h"

#include <limits>

namespace lieq::train {

namespace {

torch::nn::Linear linear(std::int64_t in, std::int64_t out)
{
    return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(false));
}

} // namespace

RmsNormImpl::RmsNormImpl(std::int64_t dim, double e) : eps(e)
{
    weight = register_parameter("weight", torch::ones({dim}));
}

torch::Tensor RmsNormImpl::forward(const torch::Tensor &x) { return rmsNorm(x, weight, eps); }

AttentionImpl::AttentionImpl(const LmShape &s)
    : heads(s.numHeads), kvHeads(s.numKvHeads), headDim(s.headDim)
{
    q_proj = register_module("q_proj", linear(s.hiddenSize, s.numHeads * s.headDim));
    k_proj = register_module("k_proj", linear(s.hiddenSize, s.numKvHeads * s.headDim));
    v_proj = register_module("v_proj", linear(s.hiddenSize, s.numKvHeads * s.headDim));
    o_proj = register_module("o_proj", linear(s.numHeads * s.headDim, s.hiddenSize));
    q_norm = register_module("q_norm", RmsNorm(s.headDim, s.rmsNormEps));
    k_norm = register_module("k_norm", RmsNorm(s.headDim, s.rmsNormEps));
}

torch::Tensor AttentionImpl::forward(const torch::Tensor &x, const torch::Tensor &cos,
                                     const torch::Tensor &sin, const torch::Tensor &mask)
{
    const std::int64_t B = x.size(0), T = x.size(1), D = headDim, group = heads / kvHeads;
    const torch::Tensor c = cos.view({1, T, 1, D / 2});
    const torch::Tensor s = sin.view({1, T, 1, D / 2});
    torch::Tensor q = applyRope(q_norm(q_proj(x).view({B, T, heads, D})), c, s);
    torch::Tensor k = applyRope(k_norm(k_proj(x).view({B, T, kvHeads, D})), c, s);
    torch::Tensor v = v_proj(x).view({B, T, kvHeads, D});
    q = q.permute({0, 2, 1, 3});
    // Head h reads kv head h / group (HF repeat_kv).
    k = k.permute({0, 2, 1, 3}).unsqueeze(2).expand({B, kvHeads, group, T, D}).reshape(
        {B, heads, T, D});
    v = v.permute({0, 2, 1, 3}).unsqueeze(2).expand({B, kvHeads, group, T, D}).reshape(
        {B, heads, T, D});
    const double scale = 1.0 / std::sqrt(static_cast<double>(D));
    const torch::Tensor scores = torch::matmul(q, k.transpose(-2, -1)).mul(scale).add(mask);
    const torch::Tensor out = torch::matmul(torch::softmax(scores, -1), v);
    return o_proj(out.permute({0, 2, 1, 3}).reshape({B, T, heads * D}));
}

MlpImpl::MlpImpl(const LmShape &s)
{
    gate_proj = register_module("gate_proj", linear(s.hiddenSize, s.intermediateSize));
    up_proj = register_module("up_proj", linear(s.hiddenSize, s.intermediateSize));
    down_proj = register_module("down_proj", linear(s.intermediateSize, s.hiddenSize));
}

torch::Tensor MlpImpl::forward(const torch::Tensor &x)
{
    return down_proj(torch::silu(gate_proj(x)) * up_proj(x));
}

DecoderLayerImpl::DecoderLayerImpl(const LmShape &s)
{
    self_attn = register_module("self_attn", Attention(s));
    mlp = register_module("mlp", Mlp(s));
    input_layernorm = register_module("input_layernorm", RmsNorm(s.hiddenSize, s.rmsNormEps));
    post_attention_layernorm =
        register_module("post_attention_layernorm", RmsNorm(s.hiddenSize, s.rmsNormEps));
}

torch::Tensor DecoderLayerImpl::forward(const torch::Tensor &x, const torch::Tensor &cos,
                                        const torch::Tensor &sin, const torch::Tensor &mask)
{
    const torch::Tensor h = x + self_attn(input_layernorm(x), cos, sin, mask);
    return h + mlp(post_attention_layernorm(h));
}

Qwen3ModelImpl::Qwen3ModelImpl(const LmShape &s)
{
    embed_tokens = register_module("embed_tokens", torch::nn::Embedding(s.vocabSize, s.hiddenSize));
    layers = register_module("layers", torch::nn::ModuleList());
    for (std::int64_t l = 0; l < s.numLayers; ++l)
        layers->push_back(DecoderLayer(s));
    norm = register_module("norm", RmsNorm(s.hiddenSize, s.rmsNormEps));
}

Qwen3LmImpl::Qwen3LmImpl(const LmShape &s) : shape(s)
{
    s.validate();
    model = register_module("model", Qwen3Model(s));
    const std::vector<double> f = ropeInverseFrequencies(s);
    invFreq = torch::tensor(f, torch::kFloat64);
}

void Qwen3LmImpl::initialize(double range)
{
    torch::NoGradGuard noGrad;
    for (auto &p : named_parameters()) {
        if (p.value().dim() == 1)
            p.value().fill_(1.0);
        else
            p.value().normal_(0.0, range);
    }
}

torch::Tensor Qwen3LmImpl::hidden(const torch::Tensor &ids)
{
    const std::int64_t T = ids.size(1);
    // Angles in double (as the runtime's tables), stored as fp32.
    const torch::Tensor pos = torch::arange(T, torch::kFloat64).unsqueeze(1);
    const torch::Tensor angles = pos * invFreq.unsqueeze(0);
    const torch::Tensor cos = angles.cos().to(torch::kFloat32);
    const torch::Tensor sin = angles.sin().to(torch::kFloat32);
    const torch::Tensor mask =
        torch::full({T, T}, -std::numeric_limits<float>::infinity()).triu(1);
    torch::Tensor x = model->embed_tokens(ids);
    for (const auto &layer : *model->layers)
        x = layer->as<DecoderLayer>()->forward(x, cos, sin, mask);
    return model->norm(x);
}

torch::Tensor Qwen3LmImpl::logits(const torch::Tensor &h)
{
    return torch::matmul(h, model->embed_tokens->weight.t());
}

torch::Tensor Qwen3LmImpl::loss(const torch::Tensor &ids)
{
    const std::int64_t T = ids.size(1);
    const torch::Tensor h = hidden(ids.slice(1, 0, T - 1));
    const torch::Tensor lg = logits(h.reshape({-1, shape.hiddenSize}));
    return torch::nn::functional::cross_entropy(lg, ids.slice(1, 1, T).reshape({-1}));
}

torch::Tensor Qwen3LmImpl::rowNll(const torch::Tensor &ids)
{
    const std::int64_t B = ids.size(0), T = ids.size(1);
    const torch::Tensor h = hidden(ids.slice(1, 0, T - 1));
    const torch::Tensor lg = logits(h.reshape({-1, shape.hiddenSize}));
    const torch::Tensor nll = torch::nn::functional::cross_entropy(
        lg, ids.slice(1, 1, T).reshape({-1}),
        torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
    return nll.view({B, T - 1}).to(torch::kFloat64).sum(1);
}

} // namespace lieq::train
