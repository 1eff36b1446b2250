#pragma once

// Internal: the Qwen3 decoder as torch::nn modules, for training. Submodules are registered
// under the Hugging Face names, so named_parameters() yields exactly the checkpoint's tensor
// names ("model.layers.0.self_attn.q_proj.weight", ...). Never included outside core/train.

#include "core/train/lm_shape.h"

#include <torch/torch.h>

namespace lieq::train {

struct RmsNormImpl : torch::nn::Module
{
    RmsNormImpl(std::int64_t dim, double eps);
    torch::Tensor forward(const torch::Tensor &x);
    torch::Tensor weight;
    double eps;
};
TORCH_MODULE(RmsNorm);

struct AttentionImpl : torch::nn::Module
{
    explicit AttentionImpl(const LmShape &s);
    // x [B, T, H]; cos/sin [T, D/2]; mask [T, T] additive (0 / -inf).
    torch::Tensor forward(const torch::Tensor &x, const torch::Tensor &cos,
                          const torch::Tensor &sin, const torch::Tensor &mask);
    torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};
    RmsNorm q_norm{nullptr}, k_norm{nullptr};
    std::int64_t heads, kvHeads, headDim;
};
TORCH_MODULE(Attention);

struct MlpImpl : torch::nn::Module
{
    explicit MlpImpl(const LmShape &s);
    torch::Tensor forward(const torch::Tensor &x);
    torch::nn::Linear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};
};
TORCH_MODULE(Mlp);

struct DecoderLayerImpl : torch::nn::Module
{
    explicit DecoderLayerImpl(const LmShape &s);
    torch::Tensor forward(const torch::Tensor &x, const torch::Tensor &cos,
                          const torch::Tensor &sin, const torch::Tensor &mask);
    Attention self_attn{nullptr};
    Mlp mlp{nullptr};
    RmsNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
};
TORCH_MODULE(DecoderLayer);

struct Qwen3ModelImpl : torch::nn::Module
{
    explicit Qwen3ModelImpl(const LmShape &s);
    torch::nn::Embedding embed_tokens{nullptr};
    torch::nn::ModuleList layers{nullptr};
    RmsNorm norm{nullptr};
};
TORCH_MODULE(Qwen3Model);

// Qwen3ForCausalLM with tied embeddings: the head is embed_tokens' weight.
struct Qwen3LmImpl : torch::nn::Module
{
    explicit Qwen3LmImpl(const LmShape &s);
    // ids [B, T] (int64) -> final-normed hidden states [B, T, H].
    torch::Tensor hidden(const torch::Tensor &ids);
    // hidden [N, H] -> logits [N, V].
    torch::Tensor logits(const torch::Tensor &hidden);
    // Mean token NLL of predicting ids[:, 1:] from ids[:, :-1] (one forward over T-1 inputs).
    torch::Tensor loss(const torch::Tensor &ids);
    // Summed NLL per row of ids[:, 1:] given the prefix: [B] (double).
    torch::Tensor rowNll(const torch::Tensor &ids);
    // Initializes as HF's _init_weights does (normal(0, range), norms to one).
    void initialize(double range);

    Qwen3Model model{nullptr};
    LmShape shape;
    torch::Tensor invFreq; // [D/2], from core/model's rope code (same tables as the runtime)
};
TORCH_MODULE(Qwen3Lm);

} // namespace lieq::train
