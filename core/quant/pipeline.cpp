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
#include "core/util/thread_pool.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <limits>
#include <optional>
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
        quantizeRtnOnly(ctx, bits);
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

namespace {

// The mean over the calibration tokens of ||m x_t||^2, m [out, in] fp32: sum_t ||m x_t||^2 =
// tr(m (sum X^T X) m^T) and sum X^T X = H * samples / 2. In fp32 (fp64 products made this cost
// more than RTN itself: issue 10); the operands are D and W themselves, so no cancellation
// happens inside the products.
double meanSquaredOutput(const torch::Tensor &m, const GptqHessian &h)
{
    const double tokens = double(std::max<std::int64_t>(1, h.tokens()));
    const double k = double(h.samples()) / 2.0 / tokens;
    return parallelDotSum(parallelLinear(m, h.matrix()), m) * k;
}

// effective - reference, fp32 on the CPU (reference: contiguous fp32).
torch::Tensor errorMatrix(const torch::Tensor &effective, const torch::Tensor &reference)
{
    torch::Tensor d = parallelContiguousCopy(effective.to(torch::kCPU));
    parallelForRows(d, d.size(0), d.size(1), [&](std::int64_t r0, std::int64_t r1) {
        d.narrow(0, r0, r1 - r0).sub_(reference.narrow(0, r0, r1 - r0));
    });
    return d;
}

} // namespace

void outputErrors(const torch::Tensor &effective, const torch::Tensor &reference,
                  const GptqHessian &h, ModuleReport &report)
{
    // The two products side by side, one thread each: two whole GEMMs scale better on two
    // cores than each one split (issue 10).
    const torch::Tensor w = reference.to(torch::kCPU, torch::kFloat32).contiguous();
    double error = 0, signal = 0;
    runSideBySide({[&] { error = meanSquaredOutput(errorMatrix(effective, w), h); },
                   [&] { signal = meanSquaredOutput(w, h); }});
    report.outputError = error;
    report.relativeError = signal > 0 ? error / signal : 0.0;
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

GptqOptions gptqOptionsFor(const PipelineSettings &s, int bits)
{
    GptqOptions go;
    go.quant = quantConfigFor(s, bits);
    go.dampPercent = s.dampPercent;
    go.blockSize = s.blockSize;
    go.actOrder = s.actOrder;
    go.staticGroups = s.staticGroups;
    return go;
}

// A module quantized and installed whose report waits for its output errors: those run later,
// beside the next group's factorisation or at the end of the layer (see quantizeLayerSequential).
struct PendingModule
{
    ModuleReport report;
    std::shared_ptr<const QuantizedLinear> quantized; // null: no errors to measure
    torch::Tensor reference;                          // the float weight, fp32 contiguous
    std::shared_ptr<const GptqHessian> hessian;
    double error = 0, signal = 0;
    double errorSeconds = 0, signalSeconds = 0;       // written by two tasks
};

// Quantizes module p of layer l at `bits` (16: keeps it in float) with the pipeline's method and
// installs it; its output errors are left to measure (finishModules reports it). h summarises the
// module's calibration inputs, nullptr for RTN without module errors, which needs no inputs;
// prepared: its GPTQ preparation when the group shares one. extraSeconds is this module's share
// of the capture forward and of a shared preparation.
PendingModule quantizeModuleWeights(PipelineContext &ctx, int l, Projection p, int bits,
                                    const std::shared_ptr<const GptqHessian> &h,
                                    const GptqPreparedHessian *prepared, double extraSeconds)
{
    const PipelineSettings &s = ctx.settings;
    ctx.moduleStart(l, p);
    const auto tq = Clock::now();
    PendingModule m;
    ModuleReport &r = m.report;
    r = moduleReport(l, p, bits);
    const auto layer = ctx.dec.acquireLayer(l);
    const LinearOp &op = layer->linear(p);
    if (r.bits == 16) {
        r.kind = op.kind();
        return m;
    }
    const torch::Tensor w = op.denseWeight().to(torch::kCPU, torch::kFloat32).contiguous();
    QuantizedTensor qt;
    if (s.method == QuantMethod::Gptq) {
        if (!h)
            throw Error("quantization: GPTQ needs the inputs of " + moduleLabel(l, p));
        const GptqOptions go = gptqOptionsFor(s, r.bits);
        GptqResult g = prepared ? gptqQuantize(w, *prepared, h->samples(), go, ctx.innerProgress(l, p))
                                : gptqQuantize(w, h->matrix(), h->samples(), go, ctx.innerProgress(l, p));
        qt = std::move(g.tensor);
        r.backendLoss = g.loss;
        r.dampRetries = g.dampRetries;
    } else {
        qt = quantizeRtn(w, quantConfigFor(s, r.bits));
    }
    auto q = makeQuantized(std::move(qt), op.bias(), {}, ctx.cacheDense);
    if (h && s.wantsModuleErrors()) {
        m.quantized = q;
        m.reference = w;
        m.hessian = h;
    } else {
        r.outputError = r.relativeError = std::numeric_limits<double>::quiet_NaN();
    }
    r.kind = q->kind();
    ctx.dec.setLinear(l, p, q);
    r.seconds = since(tq) + extraSeconds;
    ctx.result.quantizeSeconds += since(tq);
    return m;
}

// The output error products of pending modules as tasks for runSideBySide, two per module
// (error and signal), with their sizes (multiply-adds) for ordering.
void addErrorTasks(std::vector<PendingModule> &pending,
                   std::vector<std::pair<double, std::function<void()>>> &tasks)
{
    for (PendingModule &m : pending) {
        if (!m.quantized)
            continue;
        const double macs = double(m.reference.size(0)) * double(m.reference.size(1)) *
                            double(m.reference.size(1));
        PendingModule *pm = &m;
        tasks.emplace_back(macs, [pm] {
            const auto t = Clock::now();
            pm->error = meanSquaredOutput(errorMatrix(pm->quantized->denseWeight(), pm->reference),
                                          *pm->hessian);
            pm->errorSeconds = since(t);
        });
        tasks.emplace_back(macs, [pm] {
            const auto t = Clock::now();
            pm->signal = meanSquaredOutput(pm->reference, *pm->hessian);
            pm->signalSeconds = since(t);
        });
    }
}

// Runs the tasks side by side, largest first (a stable order: the same at any thread count).
void runLargestFirst(PipelineContext &ctx,
                     std::vector<std::pair<double, std::function<void()>>> &tasks)
{
    if (tasks.empty())
        return;
    std::stable_sort(tasks.begin(), tasks.end(),
                     [](const auto &a, const auto &b) { return a.first > b.first; });
    std::vector<std::function<void()>> fns;
    for (auto &t : tasks)
        fns.push_back(std::move(t.second));
    tasks.clear();
    const auto t0 = Clock::now();
    runSideBySide(fns);
    ctx.result.quantizeSeconds += since(t0);
}

// Reports the pending modules in order, their output errors measured.
void finishModules(PipelineContext &ctx, std::vector<PendingModule> &pending)
{
    for (PendingModule &m : pending) {
        ModuleReport &r = m.report;
        if (m.quantized) {
            r.outputError = m.error;
            r.relativeError = m.signal > 0 ? m.error / m.signal : 0.0;
            r.seconds += m.errorSeconds + m.signalSeconds;
        }
        if (ctx.settings.method == QuantMethod::Rtn && r.bits != 16)
            r.backendLoss = r.outputError;
        ctx.moduleDone(std::move(r));
    }
    pending.clear();
}

// Measures and reports the pending modules (their products side by side).
void flushModules(PipelineContext &ctx, std::vector<PendingModule> &pending)
{
    std::vector<std::pair<double, std::function<void()>>> tasks;
    addErrorTasks(pending, tasks);
    runLargestFirst(ctx, tasks);
    finishModules(ctx, pending);
}

void quantizeModule(PipelineContext &ctx, int l, Projection p, int bits)
{
    std::vector<PendingModule> one;
    one.push_back(quantizeModuleWeights(ctx, l, p, bits, nullptr, nullptr, 0.0));
    finishModules(ctx, one);
}

} // namespace

namespace {

// quantizeRtnOnly over layers [first, last): each module one task, layer by layer, largest
// first within a layer; side by side (whole single-threaded tasks) when `together`, else in
// turn on the calling thread, each split over the threads. A layer is installed and reported
// (in projection order, on the calling thread) as soon as all its modules are done.
void quantizeRtnLayers(PipelineContext &ctx, const std::vector<std::array<int, 7>> &bits,
                       int first, int last, bool together)
{
    struct Task
    {
        int layer;
        Projection p;
        std::shared_ptr<const LinearOp> op; // held: the task never touches the decoder
    };
    struct Layer
    {
        std::array<std::shared_ptr<const QuantizedLinear>, 7> made;
        std::array<double, 7> seconds{};
        std::atomic<int> pending{0};
    };
    const auto bitsOf = [&](int l, Projection p) {
        return bits[static_cast<std::size_t>(l)][static_cast<std::size_t>(p)];
    };
    std::vector<Task> tasks;
    std::vector<Layer> layers(static_cast<std::size_t>(last - first));
    for (int l = first; l < last; ++l) {
        const auto weights = ctx.dec.acquireLayer(l);
        const std::size_t begin = tasks.size();
        for (Projection p : kAllProjections)
            if (bitsOf(l, p) != 16)
                tasks.push_back({l, p, weights->linears[static_cast<std::size_t>(p)]});
        const auto size = [](const Task &t) { return t.op->inFeatures() * t.op->outFeatures(); };
        std::stable_sort(tasks.begin() + std::ptrdiff_t(begin), tasks.end(),
                         [&](const Task &a, const Task &b) { return size(a) > size(b); });
        layers[static_cast<std::size_t>(l - first)].pending = int(tasks.size() - begin);
    }
    int delivered = first; // layers below it are installed and reported
    const auto deliver = [&] {
        for (; delivered < last; ++delivered) {
            Layer &done = layers[static_cast<std::size_t>(delivered - first)];
            if (done.pending.load(std::memory_order_acquire) != 0)
                return;
            for (Projection p : kAllProjections) {
                ModuleReport r = moduleReport(delivered, p, bitsOf(delivered, p));
                if (const auto &q = done.made[static_cast<std::size_t>(p)]) {
                    ctx.dec.setLinear(delivered, p, q);
                    r.kind = q->kind();
                    r.seconds = done.seconds[static_cast<std::size_t>(p)];
                    r.outputError = r.relativeError = r.backendLoss =
                        std::numeric_limits<double>::quiet_NaN();
                } else {
                    r.kind = ctx.dec.acquireLayer(delivered)->linear(p).kind();
                }
                ctx.moduleDone(std::move(r));
            }
        }
    };
    SideBySideOptions options;
    options.beforeTask = [&](std::int64_t i) {
        deliver();
        const Task &t = tasks[static_cast<std::size_t>(i)];
        ctx.moduleStart(t.layer, t.p);
    };
    options.useThreads = together && tasks.size() > 1;
    const auto t0 = Clock::now();
    runSideBySide(static_cast<std::int64_t>(tasks.size()), [&](std::int64_t i) {
        const Task &t = tasks[static_cast<std::size_t>(i)];
        const auto tq = Clock::now();
        const torch::Tensor w = t.op->denseWeight().to(torch::kCPU, torch::kFloat32).contiguous();
        Layer &layer = layers[static_cast<std::size_t>(t.layer - first)];
        layer.made[static_cast<std::size_t>(t.p)] =
            makeQuantized(quantizeRtn(w, quantConfigFor(ctx.settings, bitsOf(t.layer, t.p))),
                          t.op->bias(), {}, ctx.cacheDense);
        layer.seconds[static_cast<std::size_t>(t.p)] = since(tq);
        layer.pending.fetch_sub(1, std::memory_order_release);
    }, options);
    ctx.result.quantizeSeconds += since(t0);
    deliver();
}

} // namespace

// RTN without module errors: each module straight from its weights, no inputs. On a model that
// runs work side by side (Decoder::runsSideBySide) the modules of all layers are whole
// single-threaded tasks in one queue, so that a thread slowed by another process simply takes
// fewer and no layer waits for the slowest module of the one before (issue 10: with one core
// busy, splitting each module's rows lost to one thread); else layer by layer (a streamed layer
// is released after), each module split over the threads. The same codes either way.
void quantizeRtnOnly(PipelineContext &ctx, const std::vector<std::array<int, 7>> &bits)
{
    const int L = ctx.dec.numLayers();
    const bool together = ctx.dec.runsSideBySide();
    for (int first = 0; first < L;) {
        const int last = together ? L : first + 1;
        quantizeRtnLayers(ctx, bits, first, last, together);
        for (int l = first; l < last; ++l)
            ctx.dec.releaseLayer(l);
        first = last;
    }
}

// Group by group (q/k/v, o, gate/up, down: the modules that read one input): the capture
// forward up to the group's input and its Hessian, then -- side by side, one thread each -- the
// group's GPTQ preparation (dead inputs, act-order, the inverse factor: once for the group, not
// once per module) and the output error products of the previous group's modules, then the
// group's column loops (split by bands). The errors wait because nothing else needs them, and
// the factorisation, a serial LAPACK call, then runs beside them instead of alone; whole
// products on one thread each also scale better than each split. The last group's errors run at
// the end of the layer, so every module of the layer is reported (in order) before the next.
void quantizeLayerSequential(PipelineContext &ctx, int l, const torch::Tensor &hidden,
                             const std::array<int, 7> &bits)
{
    Decoder &dec = ctx.dec;
    const PipelineSettings &s = ctx.settings;
    std::vector<PendingModule> pending;
    for (FusedGroup g : kAllFusedGroups) {
        const std::span<const Projection> group = fusedGroupMembers(g);
        int groupBits = 16;
        for (Projection p : group)
            if (bits[static_cast<std::size_t>(p)] != 16 && groupBits == 16)
                groupBits = bits[static_cast<std::size_t>(p)];
        if (groupBits == 16) {
            flushModules(ctx, pending);
            for (Projection p : group)
                quantizeModule(ctx, l, p, 16);
            continue;
        }
        ctx.moduleStart(l, group.front());
        // Capture: the layer forward with the earlier groups already quantized, up to the
        // group's input (about 1.35 layer forwards for the four groups instead of 4).
        const auto tc = Clock::now();
        const std::int64_t cols = dec.acquireLayer(l)->linear(group.front()).inFeatures();
        auto h = std::make_shared<GptqHessian>(cols);
        const Projection first = group.front();
        try {
            dec.runLayer(l, hidden, 0, [&](int layer, Projection p, const torch::Tensor &x) {
                if (layer == l && p == first) {
                    h->addBatch(x);
                    throw CaptureComplete{};
                }
            });
        } catch (const CaptureComplete &) {
        }
        if (h->samples() == 0)
            throw Error("quantization: " + moduleLabel(l, first) + " was never fed");
        ctx.result.layerForwards++;
        const double captureSeconds = since(tc);
        ctx.result.captureSeconds += captureSeconds;

        std::vector<std::pair<double, std::function<void()>>> tasks;
        std::optional<GptqPreparedHessian> prepared;
        std::vector<Progress> notes; // the preparation's reports, replayed on this thread
        if (s.method == QuantMethod::Gptq) {
            const GptqOptions go = gptqOptionsFor(s, groupBits);
            // potrf + trtri: 2/3 n^3 flops at about 2/3 of a GEMM's rate.
            tasks.emplace_back(double(cols) * double(cols) * double(cols) / 2.0,
                               [&prepared, &notes, go, h] {
                                   prepared = gptqPrepareHessian(h->matrix(), go, [&notes](const Progress &p) {
                                       notes.push_back(p);
                                       return true;
                                   });
                               });
        }
        addErrorTasks(pending, tasks);
        runLargestFirst(ctx, tasks);
        if (!notes.empty()) {
            const ProgressFn inner = ctx.innerProgress(l, first);
            for (const Progress &p : notes)
                reportProgress(inner, p);
        }
        finishModules(ctx, pending);
        const double share =
            (captureSeconds + (prepared ? prepared->seconds : 0.0)) / double(group.size());
        for (Projection p : group)
            pending.push_back(quantizeModuleWeights(ctx, l, p, bits[static_cast<std::size_t>(p)], h,
                                                    prepared ? &*prepared : nullptr, share));
    }
    flushModules(ctx, pending);
}

} // namespace lieq
