#include "core/export/gguf_quant_export.h"

#include "core/alloc/bit_plan.h"
#include "core/alloc/plan_json.h"
#include "core/export/gguf_tensor_encoder.h"
#include "core/export/quantized_run_reader.h"
#include "core/io/checkpoint.h"
#include "core/io/gguf_model_builder.h"
#include "core/io/half.h"
#include "core/util/error.h"
#include "kernels/type_traits.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <regex>

namespace lieq {

namespace {

// "model.layers.3.mlp.down_proj.weight" -> {3, "down"}; false for anything else.
bool linearOf(const std::string &name, int &layer, std::string &projection)
{
    static const std::regex re(R"(model\.layers\.(\d+)\.(self_attn|mlp)\.(q|k|v|o|gate|up|down)_proj\.weight)");
    std::smatch m;
    if (!std::regex_match(name, m, re))
        return false;
    layer = std::stoi(m[1]);
    projection = m[3];
    return true;
}

GgufFileType fileTypeFor(const std::map<int, std::int64_t> &paramsByBits)
{
    int base = 16;
    std::int64_t most = -1;
    for (const auto &[bits, params] : paramsByBits) // ties: the wider type names the file
        if (params >= most) {
            most = params;
            base = bits;
        }
    switch (base) {
    case 2: return GgufFileType::MostlyQ2_K;
    case 3: return GgufFileType::MostlyQ3_K_M;
    case 4: return GgufFileType::MostlyQ4_K_M;
    case 8: return GgufFileType::MostlyQ8_0;
    default: return GgufFileType::MostlyF16;
    }
}

// The source of one tensor's float rows (the run's exact dequantized weights, or float weights).
using RowsFn = std::function<std::vector<float>()>;

struct Item
{
    GgufTensorReport report;
    std::vector<std::int64_t> shape;
    RowsFn rows;
    bool fromRun = false;
    std::function<QuantizedTensor()> quantized; // the run's tensor, for carrying codes exactly
};

// `q` with its rows in `order` (GGUF row r holds source row order[r]).
QuantizedTensor permuteRows(const QuantizedTensor &q, const std::vector<std::int64_t> &order)
{
    QuantizedTensor p = q;
    for (std::size_t r = 0; r < order.size(); ++r) {
        const auto s = static_cast<std::size_t>(order[r]);
        std::copy_n(q.codes.begin() + std::ptrdiff_t(s * std::size_t(q.cols)), q.cols,
                    p.codes.begin() + std::ptrdiff_t(r * std::size_t(q.cols)));
        std::copy_n(q.scales.begin() + std::ptrdiff_t(s * std::size_t(q.numGroups)), q.numGroups,
                    p.scales.begin() + std::ptrdiff_t(r * std::size_t(q.numGroups)));
        std::copy_n(q.zeros.begin() + std::ptrdiff_t(s * std::size_t(q.numGroups)), q.numGroups,
                    p.zeros.begin() + std::ptrdiff_t(r * std::size_t(q.numGroups)));
    }
    return p;
}

GgufQuantResult writeItems(GgufModelBuilder &b, std::vector<Item> &items, const std::string &outPath,
                           const ProgressFn &progress)
{
    for (Item &it : items) {
        Item *item = &it;
        const std::vector<std::int64_t> order =
            b.rowOrder(*b.target(it.report.hfName), it.shape.size() >= 2 ? it.shape[0] : 1);
        b.addTensor(it.report.hfName, it.report.ggufName, it.report.type, it.shape,
                    [item, order](std::byte *dst, std::size_t) {
                        std::vector<float> f = item->rows();
                        const std::int64_t rows = static_cast<std::int64_t>(order.size());
                        const std::int64_t cols = static_cast<std::int64_t>(f.size()) / std::max<std::int64_t>(1, rows);
                        std::vector<float> p(f.size());
                        for (std::int64_t r = 0; r < rows; ++r)
                            std::memcpy(&p[r * cols], &f[order[r] * cols], std::size_t(cols) * sizeof(float));
                        if (item->quantized && carryRows(item->report.type, permuteRows(item->quantized(), order), dst)) {
                            // Carried: check that the blocks decode to the run's values bit for bit.
                            const auto t = *kernels::typeFromGgml(static_cast<int>(item->report.type));
                            const std::int64_t rowBytes = kernels::rowBytes(t, cols);
                            std::vector<float> back(static_cast<std::size_t>(cols));
                            double maxAbs = 0;
                            for (std::int64_t r = 0; r < rows; ++r) {
                                kernels::typeTraits(t).toFloat(dst + r * rowBytes, back.data(), cols);
                                for (std::int64_t c = 0; c < cols; ++c)
                                    maxAbs = std::max(maxAbs, double(std::abs(back[std::size_t(c)] - p[std::size_t(r * cols + c)])));
                            }
                            if (maxAbs == 0) {
                                item->report.how = "exact";
                                item->report.note += (item->report.note.empty() ? "" : "; ") + std::string("codes carried");
                                return;
                            }
                        }
                        const EncodedTensorStats s = encodeRows(item->report.type, p.data(), rows, cols, dst);
                        item->report.nmse = s.nmse;
                        item->report.maxAbs = s.maxAbs;
                        item->report.how = item->fromRun ? (s.exact ? "exact" : "requantized") : s.how;
                    });
    }
    b.finish();
    b.writer().write(outPath, progress);
    GgufQuantResult r;
    r.path = outPath;
    r.architecture = b.architecture();
    r.fileBytes = std::filesystem::file_size(outPath);
    r.vocabTokens = b.vocabTokens();
    std::int64_t linearParams = 0;
    double linearBytes = 0;
    for (const Item &it : items) {
        r.tensors.push_back(it.report);
        if (it.report.planBits != 16 || it.fromRun) {
            r.exact += it.report.how == "exact" ? 1 : 0;
            r.requantized += it.report.how == "requantized" ? 1 : 0;
        }
        int layer;
        std::string proj;
        if (linearOf(it.report.hfName, layer, proj)) {
            linearParams += it.report.params;
            linearBytes += double(ggmlTensorBytes(it.report.type, it.shape));
        }
    }
    r.linearBits = linearParams > 0 ? linearBytes * 8 / double(linearParams) : 0;
    return r;
}

// Everything that is not a decoder linear: embeddings and output at their chosen types,
// norms and biases as F32.
Item otherItem(const Checkpoint &ck, const std::string &name, const GgufTensorTarget &target,
               const GgufQuantOptions &o)
{
    const TensorView &v = ck.tensor(name);
    if (!isFloating(v.dtype))
        throw Error(v.file, "tensor '" + name + "': dtype " + std::string(dtypeName(v.dtype)) + " cannot be exported");
    Item it;
    it.report.hfName = name;
    it.report.ggufName = target.ggufName;
    it.report.params = v.numel();
    it.shape = v.shape;
    if (v.shape.size() < 2)
        it.report.type = GgmlType::F32;
    else if (name == "model.embed_tokens.weight")
        it.report.type = ggufTypeForRows(o.embeddingType, v.shape.back(), &it.report.note);
    else if (name == "lm_head.weight")
        it.report.type = ggufTypeForRows(o.outputType, v.shape.back(), &it.report.note);
    else
        it.report.type = GgmlType::F16;
    const TensorView *view = &v;
    it.rows = [view] {
        std::vector<float> f(static_cast<std::size_t>(view->numel()));
        convertToFloat(view->dtype, view->data, f.data(), f.size());
        return f;
    };
    return it;
}

std::string ggufName(const std::string &fallback, const std::string &dir)
{
    return fallback.empty() ? std::filesystem::path(dir).filename().string() : fallback;
}

} // namespace

std::string GgufQuantResult::summaryJson() const
{
    nlohmann::ordered_json t = nlohmann::ordered_json::array();
    for (const auto &x : tensors)
        t.push_back({{"tensor", x.ggufName}, {"source", x.hfName}, {"plan_bits", x.planBits},
                     {"type", ggmlTypeName(x.type)}, {"how", x.how}, {"nmse", x.nmse}, {"max_abs", x.maxAbs},
                     {"params", x.params}, {"note", x.note}});
    const nlohmann::ordered_json j{{"path", path},
                                   {"architecture", architecture},
                                   {"file_type", static_cast<int>(fileType)},
                                   {"bytes", fileBytes},
                                   {"exact_linears", exact},
                                   {"requantized_linears", requantized},
                                   {"linear_bits", linearBits},
                                   {"tensors", t}};
    return j.dump();
}

GgufQuantResult exportRunGguf(const QuantizedRunReader &run, const std::string &outPath, const GgufQuantOptions &o,
                              const ProgressFn &progress)
{
    const Checkpoint &ck = run.checkpoint();
    std::vector<Item> items;
    std::map<int, std::int64_t> paramsByBits;
    std::map<std::string, const QuantizedModuleInfo *> modules;
    for (const auto &m : run.modules())
        modules[m.stem + ".weight"] = &m;
    // Tensor names: the checkpoint's float tensors and one ".weight" per quantized module.
    std::vector<std::string> names;
    for (const std::string &n : ck.tensorNames()) {
        const auto dot = n.rfind('.');
        const std::string suffix = dot == std::string::npos ? "" : n.substr(dot);
        if (suffix == ".qcodes" || suffix == ".qweight" || suffix == ".scales" || suffix == ".qzeros" ||
            suffix == ".g_idx" || suffix == ".perm")
            continue;
        names.push_back(n);
    }
    for (const auto &m : run.modules())
        names.push_back(m.stem + ".weight");
    GgufModelBuilder b(ck, ggufName(o.name, run.dir()), GgufFileType::MostlyF16, true);
    for (const std::string &name : names) {
        const auto target = b.target(name);
        if (!target)
            continue;
        const auto q = modules.find(name);
        if (q == modules.end()) {
            items.push_back(otherItem(ck, name, *target, o));
            int layer;
            std::string proj;
            if (linearOf(name, layer, proj))
                paramsByBits[16] += items.back().report.params;
            continue;
        }
        const QuantizedModuleInfo *m = q->second;
        Item it;
        it.report.hfName = name;
        it.report.ggufName = target->ggufName;
        it.report.planBits = m->bits;
        it.report.params = m->rows * m->cols;
        it.report.type = ggufTypeForBits(m->bits, m->cols, &it.report.note);
        it.shape = {m->rows, m->cols};
        it.fromRun = true;
        it.rows = [&run, m] { return dequantize(run.tensor(*m)); };
        it.quantized = [&run, m] { return run.tensor(*m); };
        paramsByBits[m->bits] += it.report.params;
        items.push_back(std::move(it));
    }
    // The file type is known only now; the builder's metadata is rebuilt with it.
    GgufModelBuilder typed(ck, ggufName(o.name, run.dir()), fileTypeFor(paramsByBits), true);
    GgufQuantResult r = writeItems(typed, items, outPath, progress);
    r.fileType = fileTypeFor(paramsByBits);
    return r;
}

GgufQuantResult exportPlannedGguf(const Checkpoint &ck, const alloc::BitPlan &plan, const std::string &outPath,
                                  const GgufQuantOptions &o, const ProgressFn &progress)
{
    std::vector<Item> items;
    std::map<int, std::int64_t> paramsByBits;
    GgufModelBuilder probe(ck, ggufName(o.name, ck.dir()), GgufFileType::MostlyF16, true);
    for (const std::string &name : ck.tensorNames()) {
        const auto target = probe.target(name);
        if (!target)
            continue;
        Item it = otherItem(ck, name, *target, o);
        int layer;
        std::string proj;
        if (linearOf(name, layer, proj)) {
            it.report.planBits = plan.bitsFor(layer, proj + "_proj");
            it.report.note.clear();
            it.report.type = ggufTypeForBits(it.report.planBits, it.shape.back(), &it.report.note);
            paramsByBits[it.report.planBits] += it.report.params;
        }
        items.push_back(std::move(it));
    }
    GgufModelBuilder b(ck, ggufName(o.name, ck.dir()), fileTypeFor(paramsByBits), true);
    GgufQuantResult r = writeItems(b, items, outPath, progress);
    r.fileType = fileTypeFor(paramsByBits);
    return r;
}

} // namespace lieq
