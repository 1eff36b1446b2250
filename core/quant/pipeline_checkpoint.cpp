#include "core/quant/pipeline_checkpoint.h"

#include "core/alloc/plan_json.h"
#include "core/io/safetensors.h"
#include "core/model/decoder_impl.h"
#include "core/model/model.h"
#include "core/quant/pipeline_impl.h"
#include "core/quant/quantized_linear_impl.h"
#include "core/util/atomic_file.h"
#include "core/util/atomic_folder.h"
#include "core/util/error.h"
#include "core/util/json_text.h"
#include "kernels/gptq_pack.h"
#include "kernels/row_codes.h"

#include <nlohmann/json.hpp>


#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <list>
#include <optional>

namespace fs = std::filesystem;

namespace lieq {

namespace {

constexpr const char *kFormat = "lieq-quantized";
// 1: codes U8 packed along rows, F32 scales, U8 zeros (still read); 2: GPTQ v1 tensors.
constexpr int kFormatVersion = 2;
constexpr const char *kPacking =
    "GPTQ v1 (AutoGPTQ): qweight int32 [ceil(cols/32)*bits, rows], codes along the input "
    "dimension; qzeros int32 [groups, ceil(rows*bits/32)] holding zero-1; scales fp16 "
    "[groups, rows]; g_idx int32 [cols]";

torch::ScalarType torchFloatType(DType t)
{
    switch (t) {
    case DType::F32: return torch::kFloat32;
    case DType::F16: return torch::kFloat16;
    case DType::BF16: return torch::kBFloat16;
    case DType::F64: return torch::kFloat64;
    default: return torch::kFloat32;
    }
}

// Owns the bytes of tensors built while saving (std::list: addresses never move).
struct TensorSink
{
    std::list<std::vector<std::uint8_t>> buffers;
    std::vector<TensorToWrite> tensors;

    template <typename T>
    void add(const std::string &name, DType dtype, std::vector<std::int64_t> shape,
             const std::vector<T> &data)
    {
        std::vector<std::uint8_t> &b = buffers.emplace_back(data.size() * sizeof(T));
        if (!data.empty())
            std::memcpy(b.data(), data.data(), b.size());
        tensors.push_back({name, dtype, std::move(shape), b.data(), b.size()});
    }
    // A float tensor in `preferred` when that is exact, else F32.
    void addFloat(const std::string &name, const torch::Tensor &t, DType preferred)
    {
        torch::Tensor f = t.to(torch::kCPU, torch::kFloat32).contiguous();
        DType dt = DType::F32;
        torch::Tensor out = f;
        if (preferred == DType::BF16 || preferred == DType::F16) {
            torch::Tensor narrow = f.to(torchFloatType(preferred));
            if (narrow.to(torch::kFloat32).equal(f)) {
                dt = preferred;
                out = narrow.contiguous();
            }
        }
        std::vector<std::uint8_t> &b =
            buffers.emplace_back(static_cast<std::size_t>(out.numel() * out.element_size()));
        std::memcpy(b.data(), out.data_ptr(), b.size());
        tensors.push_back({name, dt, out.sizes().vec(), b.data(), b.size()});
    }
    void addRaw(const TensorView &v)
    {
        tensors.push_back({v.name, v.dtype, v.shape, v.data, v.nbytes});
    }
    // Bytes that outlive the write (a packed weight of a live op), not copied.
    void addView(const std::string &name, DType dtype, std::vector<std::int64_t> shape,
                 const void *data, std::size_t nbytes)
    {
        tensors.push_back({name, dtype, std::move(shape), static_cast<const std::byte *>(data), nbytes});
    }
};

torch::Tensor viewToFloat(const TensorView &v)
{
    if (!isFloating(v.dtype))
        throw Error(v.file, "tensor " + v.name + " should be a float tensor, not " +
                                std::string(dtypeName(v.dtype)));
    return torch::from_blob(const_cast<std::byte *>(v.data), v.shape,
                            torch::TensorOptions().dtype(torchFloatType(v.dtype)))
        .to(torch::kFloat32)
        .clone();
}

void copyModelFiles(const std::string &from, const std::string &to)
{
    for (const auto &e : fs::directory_iterator(from)) {
        if (!e.is_regular_file())
            continue;
        const std::string name = e.path().filename().string();
        const std::string ext = e.path().extension().string();
        if (name == kQuantConfigFile || name == "model.safetensors.index.json")
            continue;
        if (ext == ".json" || ext == ".txt" || ext == ".model" || ext == ".tiktoken")
            writeFileAtomic(to + "/" + name, readFile(e.path().string()));
    }
}

// A save replaces an earlier quantized checkpoint or an empty folder, nothing else.
void checkReplaceable(const fs::path &dir)
{
    if (fs::exists(dir) && !(fs::is_directory(dir) && fs::is_empty(dir)) &&
        !isQuantizedCheckpoint(dir.string()))
        throw Error(dir.string(), "exists and is not a quantized checkpoint; refusing to "
                                  "replace it (choose another --out)");
}

using NeedTensor = std::function<const TensorView &(const std::string &suffix, DType dtype,
                                                     std::vector<std::int64_t> shape)>;

// Format 1: codes U8 packed along rows, F32 scales, U8 zeros -> a QuantizedTensor (packed by
// QuantizedLinear on construction).
QuantizedTensor readV1Module(QuantizedTensor q, const NeedTensor &need)
{
    const TensorView &codes = need(".qcodes", DType::U8, {q.rows, kernels::rowCodesBytes(q.cols, q.bits)});
    const TensorView &scales = need(".scales", DType::F32, {q.rows, q.numGroups});
    const TensorView &zeros = need(".qzeros", DType::U8, {q.rows, q.numGroups});
    const TensorView &gIdx = need(".g_idx", DType::I32, {q.cols});
    q.codes.resize(static_cast<std::size_t>(q.rows * q.cols));
    kernels::unpackRowCodes(reinterpret_cast<const std::uint8_t *>(codes.data), q.rows, q.cols,
                            q.bits, q.codes.data());
    q.scales.resize(static_cast<std::size_t>(q.rows * q.numGroups));
    std::memcpy(q.scales.data(), scales.data, scales.nbytes);
    q.zeros.assign(reinterpret_cast<const std::uint8_t *>(zeros.data),
                   reinterpret_cast<const std::uint8_t *>(zeros.data) + zeros.nbytes);
    q.gIdx.resize(static_cast<std::size_t>(q.cols));
    std::memcpy(q.gIdx.data(), gIdx.data, gIdx.nbytes);
    return q;
}

// Arrays copied out of a mapping whose tensors are not aligned for their element type.
struct AlignedCopies
{
    std::shared_ptr<const Checkpoint> mapping;
    std::vector<std::vector<std::int32_t>> words;
};

// Format 2: the GPTQ v1 tensors, used in place.
PackedWeight mapV2Module(const QuantizedTensor &q, const NeedTensor &need,
                         const std::shared_ptr<const Checkpoint> &mapping)
{
    PackedWeight p;
    p.shape = {q.rows, q.cols, q.bits, q.groupSize > 0 ? q.groupSize : q.cols};
    p.configuredGroupSize = q.groupSize;
    p.symmetric = q.symmetric;
    const kernels::GptqShape &s = p.shape;
    const TensorView &qweight = need(".qweight", DType::I32, {s.qweightRows(), s.rows});
    const TensorView &qzeros = need(".qzeros", DType::I32, {s.groups(), s.qzerosCols()});
    const TensorView &scales = need(".scales", DType::F16, {s.groups(), s.rows});
    const TensorView &gIdx = need(".g_idx", DType::I32, {s.cols});
    auto copies = std::make_shared<AlignedCopies>();
    copies->mapping = mapping;
    auto words = [&](const TensorView &v) -> const std::int32_t * {
        if (reinterpret_cast<std::uintptr_t>(v.data) % alignof(std::int32_t) == 0)
            return reinterpret_cast<const std::int32_t *>(v.data);
        auto &c = copies->words.emplace_back(v.nbytes / 4);
        std::memcpy(c.data(), v.data, v.nbytes);
        return c.data();
    };
    p.qweight = words(qweight);
    p.qzeros = words(qzeros);
    p.gIdx = words(gIdx);
    if (reinterpret_cast<std::uintptr_t>(scales.data) % alignof(kernels::fp16_t) != 0) {
        auto &c = copies->words.emplace_back((scales.nbytes + 3) / 4);
        std::memcpy(c.data(), scales.data, scales.nbytes);
        p.scales = reinterpret_cast<const kernels::fp16_t *>(c.data());
    } else {
        p.scales = reinterpret_cast<const kernels::fp16_t *>(scales.data);
    }
    for (std::int64_t i = 0; i < s.groups() * s.rows; ++i) {
        const float v = kernels::fp16ToFp32(p.scales[i]);
        if (!(v > 0.0f) || std::isinf(v))
            throw Error(scales.file, "tensor " + scales.name + ": scale " + std::to_string(i) +
                                         " is not a positive finite number");
    }
    for (std::int64_t k = 0; k < s.cols; ++k)
        if (p.gIdx[k] < 0 || p.gIdx[k] >= s.groups())
            throw Error(gIdx.file, "tensor " + gIdx.name + ": entry " + std::to_string(k) +
                                       " names group " + std::to_string(p.gIdx[k]) + " of " +
                                       std::to_string(s.groups()));
    if (kernels::gptqGroupsTrivial(s, p.gIdx))
        p.gIdx = nullptr;
    p.keeper = std::move(copies);
    return p;
}

} // namespace

bool isQuantizedCheckpoint(const std::string &dir)
{
    return fs::is_regular_file(fs::path(dir) / kQuantConfigFile);
}

SavedCheckpoint saveQuantizedCheckpoint(Model &model, const alloc::BitPlan &plan,
                                        const PipelineSettings &settings, const std::string &dir,
                                        const ProgressFn &progress,
                                        const std::function<void(const std::string &, FolderStep)> &onStep)
{
    torch::NoGradGuard noGrad;
    Decoder &dec = model.decoder();
    const Checkpoint &ck = dec.checkpoint();
    const int L = dec.numLayers();
    TensorSink sink;
    nlohmann::json modules = nlohmann::json::object();
    nlohmann::json folded = nlohmann::json::array();

    for (const std::string &n : ck.tensorNames())
        if (n.rfind("model.layers.", 0) != 0)
            sink.addRaw(ck.tensor(n));

    for (int l = 0; l < L; ++l) {
        reportProgress(progress, {"save", l, L, "layer " + std::to_string(l)});
        const std::string prefix = "model.layers." + std::to_string(l) + ".";
        const auto layer = dec.acquireLayer(l);
        std::array<torch::Tensor, 7> inScale; // AWQ norm scales to fold, per consumer
        const std::pair<std::string, std::vector<Projection>> norms[2] = {
            {"input_layernorm", {Projection::Q, Projection::K, Projection::V}},
            {"post_attention_layernorm", {Projection::Gate, Projection::Up}}};
        for (const auto &[norm, consumers] : norms) {
            std::vector<float> s;
            for (Projection p : consumers)
                if (auto q = std::dynamic_pointer_cast<const QuantizedLinear>(
                        layer->linears[static_cast<std::size_t>(p)])) {
                    if (!s.empty() && !q->inputScales().empty() && q->inputScales() != s)
                        throw Error("cannot save layer " + std::to_string(l) + ": the modules "
                                    "after " + norm + " hold different AWQ scales");
                    if (s.empty())
                        s = q->inputScales();
                }
            const TensorView &nv = ck.tensor(prefix + norm + ".weight");
            if (s.empty()) {
                sink.addRaw(nv);
                continue;
            }
            const torch::Tensor st = torch::tensor(s, torch::kFloat32);
            sink.addFloat(nv.name, viewToFloat(nv) / st, DType::F32);
            for (Projection p : consumers) {
                auto q = std::dynamic_pointer_cast<const QuantizedLinear>(
                    layer->linears[static_cast<std::size_t>(p)]);
                if (q && q->inputScales().empty())
                    throw Error("cannot save layer " + std::to_string(l) + ": " + norm +
                                " feeds quantized modules with and without AWQ scales");
                if (!q)
                    inScale[static_cast<std::size_t>(p)] = st; // float consumer takes W s
            }
            folded.push_back(nv.name);
        }
        for (const char *n : {"self_attn.q_norm.weight", "self_attn.k_norm.weight"})
            if (ck.contains(prefix + n))
                sink.addRaw(ck.tensor(prefix + n));

        for (Projection p : kAllProjections) {
            const auto &op = layer->linears[static_cast<std::size_t>(p)];
            const std::string stem = prefix + std::string(projectionTensorStem(p));
            const std::string weightName = stem + ".weight";
            const DType stored = ck.contains(weightName) ? ck.tensor(weightName).dtype : DType::F32;
            if (op->bias().defined())
                sink.addFloat(stem + ".bias", op->bias(), DType::F32);
            auto q = std::dynamic_pointer_cast<const QuantizedLinear>(op);
            if (!q) {
                torch::Tensor w = op->denseWeight();
                if (inScale[static_cast<std::size_t>(p)].defined())
                    w = w * inScale[static_cast<std::size_t>(p)].unsqueeze(0);
                sink.addFloat(weightName, w, stored);
                continue;
            }
            const PackedWeight &pw = q->packed();
            const kernels::GptqShape &sh = pw.shape;
            sink.addView(stem + ".qweight", DType::I32, {sh.qweightRows(), sh.rows}, pw.qweight,
                         std::size_t(sh.qweightWords()) * 4);
            sink.addView(stem + ".qzeros", DType::I32, {sh.groups(), sh.qzerosCols()}, pw.qzeros,
                         std::size_t(sh.qzerosWords()) * 4);
            sink.addView(stem + ".scales", DType::F16, {sh.groups(), sh.rows}, pw.scales,
                         std::size_t(sh.groups() * sh.rows) * 2);
            std::vector<std::int32_t> gIdx(std::size_t(sh.cols));
            for (std::int64_t c = 0; c < sh.cols; ++c)
                gIdx[c] = pw.gIdx ? pw.gIdx[c] : std::int32_t(c / sh.groupSize);
            sink.add(stem + ".g_idx", DType::I32, {sh.cols}, gIdx);
            modules[stem] = {{"layer", l},
                             {"projection", std::string(projectionName(p))},
                             {"bits", sh.bits},
                             {"rows", sh.rows},
                             {"cols", sh.cols},
                             {"group_size", pw.configuredGroupSize},
                             {"num_groups", sh.groups()},
                             {"sym", pw.symmetric},
                             {"act_order", pw.actOrder()}};
        }
        dec.releaseLayer(l);
    }

    nlohmann::json config{
        {"format", kFormat},
        {"format_version", kFormatVersion},
        {"quant_method", quantMethodName(settings.method)},
        {"settings", nlohmann::json::parse(settings.json())},
        {"plan", nlohmann::json::parse(alloc::planToJson(plan))},
        {"nominal_bits", plan.nominalBits()},
        {"source_model", model.dir()},
        {"awq_folded_norms", folded},
        {"packing", kPacking},
        {"modules", modules}};

    const fs::path target = fs::absolute(dir).lexically_normal();
    checkReplaceable(target);
    SavedCheckpoint out;
    out.dir = target.string();
    out.quantizedModules = static_cast<int>(modules.size());
    writeFolderAtomic(target, [&](const fs::path &tmp) {
        copyModelFiles(model.dir(), tmp.string());
        reportProgress(progress, {"save", L, L, "writing tensors"});
        writeSafetensors((tmp / "model.safetensors").string(), sink.tensors,
                         {{"format", "pt"}, {"lieq_format", kFormat}});
        writeFileAtomic((tmp / kQuantConfigFile).string(), config.dump(2) + "\n");
        reportProgress(progress, {"save", L, L, "done"});
        for (const auto &e : fs::directory_iterator(tmp))
            out.bytes += static_cast<std::int64_t>(e.file_size());
        out.tensorBytes = static_cast<std::int64_t>(fs::file_size(tmp / "model.safetensors"));
    }, [&](FolderStep step) {
        if (onStep)
            onStep(out.dir, step);
    });
    return out;
}

std::unique_ptr<Model> loadQuantizedModel(const std::string &dir, const ModelOptions &options)
{
    const std::string cfgPath = (fs::path(dir) / kQuantConfigFile).string();
    nlohmann::json cfg = parseJson(readFile(cfgPath), cfgPath, "is not valid JSON: ");
    if (!cfg.is_object() || cfg.value("format", "") != kFormat)
        throw Error(cfgPath, std::string("is not a lieq quantized checkpoint (format \"") +
                                 kFormat + "\" expected)");
    if (cfg.value("format_version", 0) != kFormatVersion && cfg.value("format_version", 0) != 1)
        throw Error(cfgPath, "format_version " + cfg.value("format_version", nlohmann::json()).dump() +
                                 " is not supported (this build reads 1 and " +
                                 std::to_string(kFormatVersion) + ")");
    if (!cfg.contains("modules") || !cfg["modules"].is_object())
        throw Error(cfgPath, "has no \"modules\" object");

    auto model = Model::load(dir, options);
    Decoder &dec = model->decoder();
    const Checkpoint &ck = dec.checkpoint();
    const int L = dec.numLayers();
    std::vector<std::array<bool, 7>> covered(static_cast<std::size_t>(L));

    // The packed arrays are used in place, from a mapping of our own that lives as long as
    // the ops (the decoder's mapping serves the float tensors).
    const int version = cfg.value("format_version", 0);
    auto keeper = std::make_shared<const Checkpoint>(dir);
    for (const auto &[stem, m] : cfg["modules"].items()) {
        QuantizedTensor q; // shape and settings; codes only for version 1
        int layer = -1;
        std::optional<Projection> proj;
        try {
            layer = m.at("layer").get<int>();
            proj = projectionFromName(m.at("projection").get<std::string>());
            q.bits = m.at("bits").get<int>();
            q.rows = m.at("rows").get<std::int64_t>();
            q.cols = m.at("cols").get<std::int64_t>();
            q.groupSize = m.at("group_size").get<int>();
            q.numGroups = m.at("num_groups").get<std::int64_t>();
            q.symmetric = m.at("sym").get<bool>();
        } catch (const nlohmann::json::exception &e) {
            throw Error(cfgPath, "module " + stem + ": " + e.what());
        }
        if (layer < 0 || layer >= L || !proj ||
            stem != "model.layers." + std::to_string(layer) + "." +
                        std::string(projectionTensorStem(*proj)))
            throw Error(cfgPath, "module " + stem + " names no projection of this " +
                                     std::to_string(L) + "-layer model");
        const std::int64_t gs = q.groupSize > 0 ? q.groupSize : q.cols;
        if (!kernels::gptqType(q.bits) || q.rows <= 0 || q.cols <= 0 || q.groupSize == 0 ||
            q.groupSize < -1 || q.numGroups != (q.cols + gs - 1) / gs)
            throw Error(cfgPath, "module " + stem + " has impossible bits, sizes or groups");
        auto need = [&](const std::string &suffix, DType dtype,
                        std::vector<std::int64_t> shape) -> const TensorView & {
            const std::string name = stem + suffix;
            if (!keeper->contains(name))
                throw Error(dir + "/model.safetensors",
                            "tensor " + name + " is missing (listed in " + kQuantConfigFile + ")");
            const TensorView &v = keeper->tensor(name);
            if (v.dtype != dtype || v.shape != shape)
                throw Error(v.file, "tensor " + name + " has the wrong dtype or shape for a " +
                                        std::to_string(q.bits) + "-bit " +
                                        std::to_string(q.rows) + "x" + std::to_string(q.cols) +
                                        " module");
            return v;
        };
        torch::Tensor bias;
        if (ck.contains(stem + ".bias"))
            bias = viewToFloat(ck.tensor(stem + ".bias"));
        std::shared_ptr<const QuantizedLinear> op;
        try {
            if (version == 1)
                op = std::make_shared<QuantizedLinear>(readV1Module(q, need), bias,
                                                       std::vector<float>{}, dec.resident());
            else
                op = std::make_shared<QuantizedLinear>(mapV2Module(q, need, keeper), bias,
                                                       std::vector<float>{}, dec.resident());
        } catch (const Error &e) {
            if (std::string(e.what()).find(stem) != std::string::npos)
                throw;
            throw Error(dir + "/model.safetensors", "quantized module " + stem + ": " + e.what());
        }
        dec.setLinear(layer, *proj, op);
        covered[static_cast<std::size_t>(layer)][static_cast<std::size_t>(*proj)] = true;
    }
    for (int l = 0; l < L; ++l)
        for (Projection p : kAllProjections)
            if (!covered[static_cast<std::size_t>(l)][static_cast<std::size_t>(p)] &&
                !ck.contains(dec.linearTensorName(l, p)))
                throw Error(dir + "/model.safetensors",
                            "tensor " + dec.linearTensorName(l, p) +
                                " is missing and no quantized module replaces it");
    return model;
}

std::unique_ptr<Model> loadAnyModel(const std::string &dir, const ModelOptions &options)
{
    return isQuantizedCheckpoint(dir) ? loadQuantizedModel(dir, options)
                                      : Model::load(dir, options);
}

} // namespace lieq
