#include "core/quant/pipeline.h"

#include "core/alloc/layer_specs.h"
#include "core/model/decoder_impl.h"
#include "core/model/model.h"
#include "core/model/parallel_ops_impl.h"
#include "core/quant/awq_impl.h"
#include "core/quant/gptq_impl.h"
#include "core/quant/pipeline_impl.h"
#include "core/quant/quantized_linear_impl.h"
#include "core/quant/rtn.h"
#include "core/quant/scale_folding.h"
#include "core/quant/torch_bridge_impl.h"
#include "core/util/enum_names.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <limits>
#include <span>

namespace lieq {

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0)
{
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Thrown by a capture callback once it has its input: the rest of that layer forward (e.g. the
// MLP when capturing q/k/v's input) would only be thrown away. Nothing is mutated by a layer
// forward without a KV cache, so unwinding out of it is safe.
struct CaptureComplete
{
};

// "layer 3 q_proj": progress details and errors.
std::string moduleLabel(int layer, Projection p)
{
    return "layer " + std::to_string(layer) + " " + std::string(projectionModuleName(p));
}

} // namespace

const EnumNames<QuantMethod, 3> kQuantMethodNames{
    "quantization method",
    {{{QuantMethod::Rtn, "rtn"}, {QuantMethod::Gptq, "gptq"}, {QuantMethod::Awq, "awq"}}}};

LIEQ_ENUM_NAME_FUNCTIONS(QuantMethod, kQuantMethodNames, quantMethodName, quantMethodFromName, "?")

std::string PipelineSettings::json() const
{
    nlohmann::json j{{"method", quantMethodName(method)},
                     {"group_size", groupSize},
                     {"sym", symmetric},
                     {"propagate_quantized", propagateQuantized},
                     {"pipeline_version", 1}};
    if (method == QuantMethod::Gptq) {
        j["act_order"] = actOrder;
        j["static_groups"] = staticGroups;
        j["damp_percent"] = dampPercent;
        j["block_size"] = blockSize;
    }
    if (method == QuantMethod::Awq) {
        j["awq_grid"] = awqGrid;
        j["awq_duo_scaling"] = awqDuoScaling;
        j["awq_clip"] = awqClip;
        j["awq_max_tokens"] = awqMaxTokens;
    }
    return j.dump(); // nlohmann::json objects keep keys sorted
}

PipelineSettings PipelineSettings::fromJson(const std::string &text, const std::string &source)
{
    const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object())
        throw Error(source, "quantization settings are not a JSON object");
    PipelineSettings s;
    auto read = [&](const char *key, auto &field) {
        if (!j.contains(key) || j[key].is_null())
            return;
        try {
            field = j[key].get<std::decay_t<decltype(field)>>();
        } catch (const nlohmann::json::exception &) {
            throw Error(source, std::string("quantization setting \"") + key + "\" has the wrong type");
        }
    };
    std::string method = quantMethodName(s.method);
    read("method", method);
    s.method = quantMethodFromName(method);
    read("group_size", s.groupSize);
    read("sym", s.symmetric);
    read("act_order", s.actOrder);
    read("static_groups", s.staticGroups);
    read("damp_percent", s.dampPercent);
    read("block_size", s.blockSize);
    read("awq_grid", s.awqGrid);
    read("awq_duo_scaling", s.awqDuoScaling);
    read("awq_clip", s.awqClip);
    read("awq_max_tokens", s.awqMaxTokens);
    read("propagate_quantized", s.propagateQuantized);
    return s;
}

bool PipelineSettings::wantsModuleErrors() const
{
    return moduleErrors < 0 ? method != QuantMethod::Rtn : moduleErrors > 0;
}

ModuleReport moduleReport(int layer, Projection p, int bits)
{
    ModuleReport r;
    r.layer = layer;
    r.projection = p;
    r.bits = bits;
    return r;
}

alloc::BitPlan uniformPlan(const Model &model, int bits)
{
    return alloc::uniformPlan(alloc::decoderLayerSpecs(model.config()), bits);
}

namespace {

// Parameter counts and the nominal bits of the finished modules, and the total time.
void finishResult(PipelineResult &r, const Decoder &dec, Clock::time_point t0)
{
    const std::vector<alloc::LayerSpec> shapes = alloc::decoderLayerSpecs(dec.config());
    double bitSum = 0;
    for (const ModuleReport &m : r.modules) {
        const std::size_t p = static_cast<std::size_t>(m.projection);
        const std::int64_t params = shapes[static_cast<std::size_t>(m.layer)].linears[p].params();
        (m.bits == 16 ? r.floatParams : r.quantizedParams) += params;
        bitSum += double(params) * m.bits;
    }
    r.nominalBits = bitSum / double(std::max<std::int64_t>(1, r.quantizedParams + r.floatParams));
    r.totalSeconds = since(t0);
}

} // namespace

PipelineResult quantizeModel(Model &model, const alloc::BitPlan &plan,
                             const CalibrationSet &calibration,
                             const PipelineSettings &settings, const ProgressFn &progress,
                             const PipelineObserver &observer)
{
    torch::NoGradGuard noGrad;
    const auto t0 = Clock::now();
    Decoder &dec = model.decoder();
    const int L = dec.numLayers();
    if (calibration.samples < 1 || calibration.seqlen < 1 ||
        static_cast<std::int64_t>(calibration.ids.size()) != calibration.samples * calibration.seqlen)
        throw Error("quantization: the calibration set must hold samples x seqlen token ids");
    if (settings.groupSize == 0 || settings.groupSize < -1)
        throw Error("quantization: group size must be positive or -1 (per row)");

    // Bits per (layer, projection), checked up front so a bad plan fails before any work.
    std::vector<std::array<int, 7>> bits(static_cast<std::size_t>(L));
    for (int l = 0; l < L; ++l)
        for (Projection p : kAllProjections) {
            const int b = plan.bitsFor(l, p);
            if (!alloc::isQuantBits(b) && b != 16)
                throw Error("bit plan: " + moduleLabel(l, p) + " has " + std::to_string(b) +
                            " bits (expected 2, 3, 4, 8 or 16)");
            bits[static_cast<std::size_t>(l)][static_cast<std::size_t>(p)] = b;
        }
    for (const alloc::PlanUnit &u : plan.units)
        if (u.layer < 0 || u.layer >= L)
            throw Error("bit plan: layer " + std::to_string(u.layer) + " is outside the model's " +
                        std::to_string(L) + " layers");

    PipelineContext ctx{dec, settings, progress, observer, {}, 0, 7 * L};
    ctx.cacheDense = settings.cacheDense < 0 ? dec.resident() : settings.cacheDense > 0;
    if (settings.method == QuantMethod::Rtn && !settings.wantsModuleErrors()) {
        // Round-to-nearest needs no inputs: every layer is quantized straight from its weights.
        for (int l = 0; l < L; ++l) {
            quantizeLayerRtnOnly(ctx, l, bits[static_cast<std::size_t>(l)]);
            dec.releaseLayer(l);
        }
        reportProgress(progress, {"quantize", ctx.done, ctx.total, "done"});
        finishResult(ctx.result, dec, t0);
        return ctx.result;
    }
    torch::Tensor ids = torch::empty({calibration.samples, calibration.seqlen}, torch::kLong);
    std::copy(calibration.ids.begin(), calibration.ids.end(), ids.data_ptr<std::int64_t>());
    torch::Tensor hidden = dec.embed(ids);
    ctx.result.calibrationTokens = calibration.samples * calibration.seqlen;

    for (int l = 0; l < L; ++l) {
        if (observer.onLayerInput) {
            const torch::Tensor h = hidden.to(torch::kCPU).contiguous();
            observer.onLayerInput(l, std::vector<float>(h.data_ptr<float>(),
                                                        h.data_ptr<float>() + h.numel()));
        }
        const auto &lb = bits[static_cast<std::size_t>(l)];
        torch::Tensor floatOut;
        if (!settings.propagateQuantized) {
            floatOut = dec.runLayer(l, hidden, 0);
            ctx.result.layerForwards++;
        }
        if (settings.method == QuantMethod::Awq)
            quantizeLayerAwq(ctx, l, hidden, lb);
        else
            quantizeLayerSequential(ctx, l, hidden, lb);
        if (settings.propagateQuantized) {
            const auto tf = Clock::now();
            hidden = dec.runLayer(l, hidden, 0);
            ctx.result.layerForwards++;
            ctx.result.forwardSeconds += since(tf);
        } else {
            hidden = floatOut;
        }
        if (!ctx.cacheDense)
            for (Projection p : kAllProjections)
                if (auto q = std::dynamic_pointer_cast<const QuantizedLinear>(
                        dec.acquireLayer(l)->linears[static_cast<std::size_t>(p)]))
                    q->dropCache();
        dec.releaseLayer(l);
    }
    reportProgress(progress, {"quantize", ctx.done, ctx.total, "done"});
    finishResult(ctx.result, dec, t0);
    return ctx.result;
}

// ---- shared helpers (pipeline_impl.h) ----

void PipelineContext::moduleStart(int layer, Projection p)
{
    reportProgress(progress, {"quantize", done, total, moduleLabel(layer, p)});
}

ProgressFn PipelineContext::innerProgress(int layer, Projection p) const
{
    if (!progress)
        return {};
    // Keep the bar on the module count; the inner loops only poll for a cancel.
    return [this, layer, p](const Progress &) {
        return progress({"quantize", done, total, moduleLabel(layer, p)});
    };
}

void PipelineContext::moduleDone(ModuleReport report)
{
    ++done;
    if (observer.onModule)
        observer.onModule(report);
    result.modules.push_back(std::move(report));
}

void outputErrors(const torch::Tensor &effective, const torch::Tensor &reference,
                  const GptqHessian &h, ModuleReport &report)
{
    // sum_t ||D x_t||^2 = tr(D (sum X^T X) D^T) and sum X^T X = H * samples / 2. In fp32 on the
    // engine's threads (fp64 products made this cost more than RTN itself: issue 10); the
    // operands are D and W themselves, so no cancellation happens inside the products.
    const double tokens = double(std::max<std::int64_t>(1, h.tokens()));
    const double k = double(h.samples()) / 2.0 / tokens;
    const torch::Tensor &hm = h.matrix();
    const auto quadratic = [&](const torch::Tensor &m) {
        return parallelDotSum(parallelLinear(m, hm), m) * k;
    };
    const torch::Tensor w = reference.to(torch::kCPU, torch::kFloat32).contiguous();
    torch::Tensor d = parallelContiguousCopy(effective.to(torch::kCPU));
    parallelForRows(d, d.size(0), d.size(1), [&](std::int64_t r0, std::int64_t r1) {
        d.narrow(0, r0, r1 - r0).sub_(w.narrow(0, r0, r1 - r0));
    });
    report.outputError = quadratic(d);
    const double signal = quadratic(w);
    report.relativeError = signal > 0 ? report.outputError / signal : 0.0;
}

std::shared_ptr<const QuantizedLinear> makeQuantized(QuantizedTensor t, const torch::Tensor &bias,
                                                     std::vector<float> inputScales,
                                                     bool cacheDense)
{
    return std::make_shared<QuantizedLinear>(std::move(t), bias, std::move(inputScales),
                                             cacheDense);
}

QuantConfig quantConfigFor(const PipelineSettings &s, int bits)
{
    QuantConfig c;
    c.bits = bits;
    c.groupSize = s.groupSize;
    c.symmetric = s.symmetric;
    validateQuantConfig(c);
    return c;
}

namespace {

// Quantizes module p of layer l at `bits` (16: keeps it in float) with the pipeline's method and
// installs it. h summarises the module's calibration inputs; nullptr for RTN without module
// errors, which needs no inputs. captureSeconds is this module's share of the capture forward.
void quantizeModule(PipelineContext &ctx, int l, Projection p, int bits, const GptqHessian *h,
                    double captureSeconds)
{
    const PipelineSettings &s = ctx.settings;
    ctx.moduleStart(l, p);
    const auto tq = Clock::now();
    ModuleReport r = moduleReport(l, p, bits);
    const auto layer = ctx.dec.acquireLayer(l);
    const LinearOp &op = layer->linear(p);
    if (r.bits == 16) {
        r.kind = op.kind();
        ctx.moduleDone(std::move(r));
        return;
    }
    const torch::Tensor w = op.denseWeight().to(torch::kCPU, torch::kFloat32).contiguous();
    QuantizedTensor qt;
    if (s.method == QuantMethod::Gptq) {
        if (!h)
            throw Error("quantization: GPTQ needs the inputs of " + moduleLabel(l, p));
        GptqOptions go;
        go.quant = quantConfigFor(s, r.bits);
        go.dampPercent = s.dampPercent;
        go.blockSize = s.blockSize;
        go.actOrder = s.actOrder;
        go.staticGroups = s.staticGroups;
        GptqResult g = gptqQuantize(w, h->matrix(), h->samples(), go, ctx.innerProgress(l, p));
        qt = std::move(g.tensor);
        r.backendLoss = g.loss;
        r.dampRetries = g.dampRetries;
    } else {
        qt = quantizeRtn(w, quantConfigFor(s, r.bits));
    }
    auto q = makeQuantized(std::move(qt), op.bias(), {}, ctx.cacheDense);
    if (h && s.wantsModuleErrors())
        outputErrors(q->denseWeight(), w, *h, r);
    else
        r.outputError = r.relativeError = std::numeric_limits<double>::quiet_NaN();
    if (s.method == QuantMethod::Rtn)
        r.backendLoss = r.outputError;
    r.kind = q->kind();
    ctx.dec.setLinear(l, p, q);
    r.seconds = since(tq) + captureSeconds;
    ctx.result.quantizeSeconds += since(tq);
    ctx.moduleDone(std::move(r));
}

} // namespace

void quantizeLayerRtnOnly(PipelineContext &ctx, int l, const std::array<int, 7> &bits)
{
    for (Projection p : kAllProjections)
        quantizeModule(ctx, l, p, bits[static_cast<std::size_t>(p)], nullptr, 0.0);
}

void quantizeLayerSequential(PipelineContext &ctx, int l, const torch::Tensor &hidden,
                             const std::array<int, 7> &bits)
{
    Decoder &dec = ctx.dec;
    for (FusedGroup g : kAllFusedGroups) {
        const std::span<const Projection> group = fusedGroupMembers(g);
        bool any = false;
        for (Projection p : group)
            any = any || bits[static_cast<std::size_t>(p)] != 16;
        if (!any) {
            for (Projection p : group)
                quantizeModule(ctx, l, p, 16, nullptr, 0.0);
            continue;
        }
        ctx.moduleStart(l, group.front());
        // Capture: the layer forward with the earlier groups already quantized, up to the
        // group's input (about 1.35 layer forwards for the four groups instead of 4).
        const auto tc = Clock::now();
        const std::int64_t cols = dec.acquireLayer(l)->linear(group.front()).inFeatures();
        GptqHessian h(cols);
        const Projection first = group.front();
        try {
            dec.runLayer(l, hidden, 0, [&](int layer, Projection p, const torch::Tensor &x) {
                if (layer == l && p == first) {
                    h.addBatch(x);
                    throw CaptureComplete{};
                }
            });
        } catch (const CaptureComplete &) {
        }
        if (h.samples() == 0)
            throw Error("quantization: " + moduleLabel(l, first) + " was never fed");
        ctx.result.layerForwards++;
        const double captureSeconds = since(tc);
        ctx.result.captureSeconds += captureSeconds;
        for (Projection p : group)
            quantizeModule(ctx, l, p, bits[static_cast<std::size_t>(p)], &h,
                           captureSeconds / double(group.size()));
    }
}

} // namespace lieq
