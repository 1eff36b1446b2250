// A decode step (one new position of one sequence, through the KV cache, on the CPU in fp32)
// on raw rows: the same function as runLayer, computed without a torch operation per
// element-wise step. runLayer's ~60 torch calls per layer (norms, head norms and RoPE through
// views, cache appends, residual adds, each dispatched and allocated for rows of 128..3072
// values) cost more per layer than its attention; here the rows live in per-thread buffers and
// the projections write into them (LinearOp::forwardRow).
#include "core/model/decoder_impl.h"

#include "core/model/parallel_ops_impl.h"
#include "core/util/error.h"
#include "core/util/thread_pool.h"
#include "kernels/attention.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace lieq {

namespace {

// x / sqrt(mean(x^2) + eps) * w over n values, as rmsNorm (tensor_ops_impl.h); y may be x.
void rmsNormRow(const float *x, const float *w, std::int64_t n, double eps, float *y)
{
    double squares = 0;
    for (std::int64_t i = 0; i < n; ++i)
        squares += double(x[i]) * double(x[i]);
    const float r = 1.0f / std::sqrt(float(squares / double(n)) + float(eps));
    for (std::int64_t i = 0; i < n; ++i)
        y[i] = x[i] * r * w[i];
}

// The rotate-half rotary embedding of one head in place: applyRope's arithmetic, element by
// element (no fused multiply-adds in this file's build, so the same bits).
void ropeRow(float *x, const float *cos, const float *sin, std::int64_t half)
{
    for (std::int64_t i = 0; i < half; ++i) {
        const float a = x[i], b = x[i + half];
        x[i] = a * cos[i] - b * sin[i];
        x[i + half] = b * cos[i] + a * sin[i];
    }
}

// y = op(x) for one row: the op's own row path, else its tensor forward.
void linearRow(const LinearOp &op, const float *x, float *y)
{
    if (op.forwardRow(x, y))
        return;
    const torch::Tensor in =
        torch::from_blob(const_cast<float *>(x), {1, 1, op.inFeatures()}, torch::kFloat32);
    const torch::Tensor out = op.forward(in).to(torch::kCPU, torch::kFloat32).contiguous();
    std::memcpy(y, out.data_ptr<float>(), sizeof(float) * std::size_t(op.outFeatures()));
}

void addInto(float *x, const float *y, std::int64_t n)
{
    for (std::int64_t i = 0; i < n; ++i)
        x[i] = y[i] + x[i];
}

struct StepRows
{
    std::vector<float> h, q, k, v, attn, o, gate, up;
};

} // namespace

namespace {

std::atomic<bool> &fusedDecodeFlag()
{
    static std::atomic<bool> on = [] {
        const char *env = std::getenv("LIEQ_DECODE_FUSED");
        return !(env && std::strcmp(env, "0") == 0);
    }();
    return on;
}

} // namespace

bool fusedDecodeEnabled()
{
    return fusedDecodeFlag().load(std::memory_order_relaxed);
}

void setFusedDecodeEnabled(bool on)
{
    fusedDecodeFlag().store(on, std::memory_order_relaxed);
}

void Decoder::decodeLayer(int layer, float *x, std::int64_t position, KvCache &cache)
{
    const ModelConfig &c = m_config;
    const std::int64_t H = c.hiddenSize, I = c.intermediateSize, nh = c.numHeads,
                       nkv = c.numKvHeads, D = c.headDim, half = D / 2, group = nh / nkv;
    const double eps = c.rmsNormEps;
    const auto w = acquireLayer(layer);
    thread_local StepRows s;
    s.h.resize(std::size_t(H));
    s.q.resize(std::size_t(nh * D));
    s.k.resize(std::size_t(nkv * D));
    s.v.resize(std::size_t(nkv * D));
    s.attn.resize(std::size_t(nh * D));
    s.o.resize(std::size_t(H));
    s.gate.resize(std::size_t(I));
    s.up.resize(std::size_t(I));

    rmsNormRow(x, w->inputNorm.data_ptr<float>(), H, eps, s.h.data());
    linearRow(w->linear(Projection::Q), s.h.data(), s.q.data());
    linearRow(w->linear(Projection::K), s.h.data(), s.k.data());
    linearRow(w->linear(Projection::V), s.h.data(), s.v.data());

    torch::Tensor cosT, sinT;
    ropeTables(position, position + 1, cosT, sinT);
    const float *cs = cosT.data_ptr<float>(), *sn = sinT.data_ptr<float>();
    const float *qNorm = w->qNorm.defined() ? w->qNorm.data_ptr<float>() : nullptr;
    const float *kNorm = w->kNorm.defined() ? w->kNorm.data_ptr<float>() : nullptr;
    for (std::int64_t i = 0; i < nh; ++i) {
        float *head = s.q.data() + i * D;
        if (qNorm)
            rmsNormRow(head, qNorm, D, eps, head);
        ropeRow(head, cs, sn, half);
    }
    for (std::int64_t g = 0; g < nkv; ++g) {
        float *head = s.k.data() + g * D;
        if (kNorm)
            rmsNormRow(head, kNorm, D, eps, head);
        ropeRow(head, cs, sn, half);
    }

    // The new key and value rows straight into the cache's storage.
    const std::size_t l = static_cast<std::size_t>(layer);
    torch::Tensor &ck = cache.keys.at(l), &cv = cache.values.at(l);
    const std::int64_t past = ck.defined() ? ck.size(2) : 0;
    if (past != position)
        throw Error("KV cache of layer " + std::to_string(layer) + " holds " + std::to_string(past) +
                    " positions, expected " + std::to_string(position));
    const auto opts = torch::TensorOptions().dtype(torch::kFloat32).device(torch::kCPU);
    ck = reserveInCache(cache.keyStore.at(l), ck, {1, nkv, 1, D}, opts);
    cv = reserveInCache(cache.valueStore.at(l), cv, {1, nkv, 1, D}, opts);
    float *keys = ck.data_ptr<float>(), *values = cv.data_ptr<float>();
    const std::int64_t kHead = ck.stride(1), kRow = ck.stride(2);
    const std::int64_t vHead = cv.stride(1), vRow = cv.stride(2);
    for (std::int64_t g = 0; g < nkv; ++g) {
        std::memcpy(keys + g * kHead + past * kRow, s.k.data() + g * D, sizeof(float) * std::size_t(D));
        std::memcpy(values + g * vHead + past * vRow, s.v.data() + g * D, sizeof(float) * std::size_t(D));
    }

    // Attention over the visible rows (causal; sliding window as Decoder::attention).
    const std::int64_t window = c.slidingWindow.value_or(0);
    const std::int64_t keyStart = window > 0 ? std::max<std::int64_t>(0, position - window + 1) : 0;
    const std::int64_t keyEnd = position + 1;
    const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(D)));
    const auto groups = [&](std::int64_t first, std::int64_t last) {
        for (std::int64_t g = first; g < last; ++g) {
            kernels::DecodeAttention a;
            a.heads = group;
            a.headDim = D;
            a.q = s.q.data() + g * group * D;
            a.qStride = D;
            a.k = keys + g * kHead + keyStart * kRow;
            a.v = values + g * vHead + keyStart * vRow;
            a.kStride = kRow;
            a.vStride = vRow;
            a.keys = keyEnd - keyStart;
            a.scale = scale;
            a.out = s.attn.data() + g * group * D;
            a.outStride = D;
            kernels::attendDecode(a);
        }
    };
    if (2 * nh * (keyEnd - keyStart) * D < kMinParallelMacs)
        groups(0, nkv);
    else
        parallelFor(nkv, groups, 1);

    linearRow(w->linear(Projection::O), s.attn.data(), s.o.data());
    addInto(x, s.o.data(), H);

    rmsNormRow(x, w->postAttnNorm.data_ptr<float>(), H, eps, s.h.data());
    linearRow(w->linear(Projection::Gate), s.h.data(), s.gate.data());
    linearRow(w->linear(Projection::Up), s.h.data(), s.up.data());
    {
        // torch's SiLU (vectorised exp): the same bits as runLayer's unsplit gating.
        torch::Tensor gate = torch::from_blob(s.gate.data(), {I}, torch::kFloat32);
        torch::silu_(gate).mul_(torch::from_blob(s.up.data(), {I}, torch::kFloat32));
    }
    linearRow(w->linear(Projection::Down), s.gate.data(), s.o.data());
    addInto(x, s.o.data(), H);
}

} // namespace lieq
