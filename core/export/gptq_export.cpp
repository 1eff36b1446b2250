#include "core/export/gptq_export.h"

#include "core/export/quantized_run_reader.h"
#include "core/io/checkpoint.h"
#include "core/io/half.h"
#include "core/io/safetensors_shards.h"
#include "core/util/atomic_file.h"
#include "core/util/atomic_folder.h"
#include "core/util/error.h"
#include "kernels/gptq_pack.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <filesystem>
#include <regex>
#include <set>

namespace lieq {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

namespace {

const char *const kAttention[] = {"q", "k", "v", "o"};
const char *const kMlp[] = {"gate", "up", "down"};

template <typename T>
std::vector<std::uint8_t> bytesOf(const std::vector<T> &v)
{
    std::vector<std::uint8_t> b(v.size() * sizeof(T));
    if (!b.empty())
        std::memcpy(b.data(), v.data(), b.size());
    return b;
}

std::vector<std::uint8_t> toF16(const TensorView &v)
{
    std::vector<float> f(static_cast<std::size_t>(v.numel()));
    convertToFloat(v.dtype, v.data, f.data(), f.size());
    std::vector<std::uint16_t> h(f.size());
    for (std::size_t i = 0; i < f.size(); ++i)
        h[i] = floatToHalf(f[i]);
    return bytesOf(h);
}

bool isPackedPart(const std::string &name)
{
    for (const char *s : {".qcodes", ".qweight", ".scales", ".qzeros", ".g_idx", ".perm"})
        if (name.size() > std::strlen(s) && name.compare(name.size() - std::strlen(s), std::string::npos, s) == 0)
            return true;
    return false;
}

// A folder this exporter wrote (quantize_config.json names it as the quantizer): the only kind
// of existing folder an export may replace.
bool isOurGptqExport(const fs::path &dir)
{
    try {
        const auto qc = ojson::parse(readFile((dir / "quantize_config.json").string()));
        const auto &q = qc.at("meta").at("quantizer");
        return q.is_array() && !q.empty() && q[0] == "lieq-workbench";
    } catch (const std::exception &) {
        return false;
    }
}

} // namespace

std::map<std::string, int> gptqDynamicPatterns(const std::map<std::string, int> &moduleBits, int baseBits,
                                               std::vector<std::string> *warnings)
{
    static const std::regex stemRe(R"(model\.layers\.(\d+)\.(self_attn|mlp)\.(\w+)_proj)");
    std::map<int, std::map<std::string, int>> layers; // layer -> projection -> bits
    for (const auto &[stem, bits] : moduleBits) {
        std::smatch m;
        if (!std::regex_match(stem, m, stemRe))
            throw Error("GPTQ export: module " + stem + " is not a decoder projection");
        layers[std::stoi(m[1])][m[3]] = bits;
    }
    std::map<std::string, int> out;
    for (const auto &[layer, projections] : layers) {
        const std::string prefix = "model\\.layers\\." + std::to_string(layer) + "\\.";
        std::set<int> widths;
        for (const auto &[p, b] : projections)
            widths.insert(b);
        if (widths.size() == 1 && projections.size() == 7) { // the whole layer at one width
            const int b = *widths.begin();
            if (b != baseBits)
                out[(b == 16 ? "-:" : "+:") + prefix + ".*"] = b;
            continue;
        }
        auto at = [&](const char *p) {
            const auto it = projections.find(p);
            return it == projections.end() ? -1 : it->second;
        };
        if (warnings && !(at("q") == at("k") && at("k") == at("v")))
            warnings->push_back("layer " + std::to_string(layer) +
                                ": q/k/v at different bit-widths; vLLM fuses them into qkv_proj and will refuse it");
        if (warnings && at("gate") != at("up"))
            warnings->push_back("layer " + std::to_string(layer) +
                                ": gate/up at different bit-widths; vLLM fuses them into gate_up_proj and will refuse it");
        for (int b : widths) {
            if (b == baseBits)
                continue;
            std::vector<std::string> attn, mlp;
            for (const char *p : kAttention)
                if (at(p) == b)
                    attn.push_back(std::string(p) + "_proj");
            for (const char *p : kMlp)
                if (at(p) == b)
                    mlp.push_back(std::string(p) + "_proj");
            if (at("q") == b && at("k") == b && at("v") == b)
                attn.push_back("qkv_proj");
            if (at("gate") == b && at("up") == b)
                mlp.push_back("gate_up_proj");
            std::string alt;
            auto group = [&](const char *module, const std::vector<std::string> &names) {
                if (names.empty())
                    return;
                std::string list;
                for (const auto &n : names)
                    list += (list.empty() ? "" : "|") + n;
                alt += (alt.empty() ? "" : "|") + std::string(module) + "\\.(" + list + ")";
            };
            group("self_attn", attn);
            group("mlp", mlp);
            out[(b == 16 ? "-:" : "+:") + prefix + "(" + alt + ")$"] = b;
        }
    }
    return out;
}

std::string GptqExportResult::summaryJson() const
{
    ojson byBits = ojson::object();
    for (const auto &[b, n] : modulesByBits)
        byBits[std::to_string(b)] = n;
    return ojson{{"dir", dir},
                 {"checkpoint_format", checkpointFormat},
                 {"bits", baseBits},
                 {"modules_by_bits", byBits},
                 {"dynamic", ojson::parse(dynamicJson)},
                 {"zero_point_zero_groups", zeroPointZeroGroups},
                 {"bytes", bytes},
                 {"files", files},
                 {"warnings", warnings}}
        .dump();
}

GptqExportResult exportRunGptq(const QuantizedRunReader &run, const std::string &outDir,
                               const GptqExportOptions &options, const ProgressFn &progress)
{
    const Checkpoint &ck = run.checkpoint();
    if (run.modules().empty())
        throw Error(run.dir(), "has no quantized module to export as GPTQ");
    GptqExportResult r;
    const QuantizedModuleInfo &first = run.modules().front();
    std::map<std::string, int> moduleBits;
    std::map<int, std::int64_t> params;
    for (const auto &m : run.modules()) {
        if (m.groupSize != first.groupSize || m.symmetric != first.symmetric || m.actOrder != first.actOrder)
            throw Error(run.dir(), "module " + m.stem + ": group size, symmetry and act-order differ between "
                                   "modules; a GPTQ config holds one of each");
        if (m.cols % 32 != 0 || (m.rows * m.bits) % 32 != 0)
            throw Error(run.dir(), "module " + m.stem + " (" + std::to_string(m.rows) + "x" + std::to_string(m.cols) +
                                       ", " + std::to_string(m.bits) + " bits): the GPTQ layout needs in_features a "
                                       "multiple of 32 and out_features x bits a multiple of 32");
        moduleBits[m.stem] = m.bits;
        params[m.bits] += m.rows * m.cols;
        ++r.modulesByBits[m.bits];
    }
    std::int64_t most = -1;
    for (const auto &[b, p] : params)
        if (p > most) {
            most = p;
            r.baseBits = b;
        }
    static const std::regex linearRe(R"((model\.layers\.\d+\.(self_attn|mlp)\.\w+_proj)\.weight)");
    for (const std::string &name : ck.tensorNames()) {
        std::smatch m;
        if (std::regex_match(name, m, linearRe) && !run.module(m[1])) {
            moduleBits[m[1]] = 16; // kept in half precision: excluded from quantization
            ++r.modulesByBits[16];
        }
    }

    // Zero points: read every module once (they are needed for packing anyway).
    std::vector<QuantizedTensor> tensors;
    for (const auto &m : run.modules()) {
        tensors.push_back(run.tensor(m));
        for (std::uint8_t z : tensors.back().zeros)
            r.zeroPointZeroGroups += z == 0 ? 1 : 0;
    }
    bool v2 = options.format == GptqFormat::V2;
    if (r.zeroPointZeroGroups > 0 && options.format == GptqFormat::V1)
        throw Error(run.dir(), std::to_string(r.zeroPointZeroGroups) +
                                   " groups have zero point 0, which GPTQ v1 (zero - 1 stored) cannot hold; "
                                   "export v2 (checkpoint_format gptq_v2, for GPTQModel) or quantize symmetrically");
    if (r.zeroPointZeroGroups > 0 && options.format == GptqFormat::Auto) {
        v2 = true;
        r.warnings.push_back(std::to_string(r.zeroPointZeroGroups) + " groups have zero point 0: written as "
                             "checkpoint_format gptq_v2, which GPTQModel loads; vLLM and transformers read v1 only");
    }
    r.checkpointFormat = v2 ? "gptq_v2" : "gptq";
    std::set<int> vllmRefused;
    for (const auto &[b, n] : r.modulesByBits)
        if (b != 4 && b != 8 && b != 16)
            vllmRefused.insert(b);
    for (int b : vllmRefused)
        r.warnings.push_back(std::to_string(r.modulesByBits[b]) + " modules at " + std::to_string(b) +
                             " bits: recent vLLM GPTQ kernels (gptq_marlin) load 4 and 8 bits only; transformers "
                             "and GPTQModel load 2, 3, 4 and 8");
    const auto dynamic = gptqDynamicPatterns(moduleBits, r.baseBits, &r.warnings);
    ojson dyn = ojson::object();
    for (const auto &[pattern, b] : dynamic)
        dyn[pattern] = b == 16 ? ojson::object() : ojson{{"bits", b}};
    r.dynamicJson = dyn.dump();

    ojson qc{{"quant_method", "gptq"},
             {"bits", r.baseBits},
             {"group_size", first.groupSize > 0 ? first.groupSize : -1},
             {"desc_act", first.actOrder},
             {"sym", first.symmetric},
             {"static_groups", false},
             {"true_sequential", true},
             {"lm_head", false},
             {"damp_percent", 0.01},
             {"checkpoint_format", r.checkpointFormat},
             {"meta", {{"quantizer", {"lieq-workbench"}}, {"method", run.method()}}}};
    if (!dyn.empty())
        qc["dynamic"] = dyn;

    const fs::path target = fs::absolute(outDir).lexically_normal();
    if (fs::exists(target) && !(fs::is_directory(target) && (fs::is_empty(target) || isOurGptqExport(target))))
        throw Error(target.string(), "exists and is not an earlier GPTQ export of this program; refusing to "
                                     "replace it (choose another folder)");
    // An earlier export (checked above) is replaced only once the new one is complete.
    writeFolderAtomic(target, [&](const fs::path &tmp) {
        for (const auto &e : fs::directory_iterator(run.dir())) {
            const std::string name = e.path().filename().string(), ext = e.path().extension().string();
            if (e.is_regular_file() && name != "quantization_config.json" && name != "config.json" &&
                name != "model.safetensors.index.json" && (ext == ".json" || ext == ".txt" || ext == ".model"))
                writeFileAtomic((tmp / name).string(), readFile(e.path().string()));
        }
        ojson config = ojson::parse(readFile((fs::path(run.dir()) / "config.json").string()));
        config["quantization_config"] = qc;
        config["torch_dtype"] = "float16";
        writeFileAtomic((tmp / "config.json").string(), config.dump(2) + "\n");
        writeFileAtomic((tmp / "quantize_config.json").string(), qc.dump(2) + "\n");

        SafetensorsShardWriter shards(tmp.string(), options.shardBytes, {{"format", "pt"}});
        const auto names = ck.tensorNames();
        std::int64_t step = 0;
        const std::int64_t steps = std::int64_t(names.size() + tensors.size());
        for (const std::string &name : names) {
            reportProgress(progress, {"write gptq", step++, steps, name});
            if (isPackedPart(name) || name.find("rotary_emb.inv_freq") != std::string::npos)
                continue;
            const TensorView &v = ck.tensor(name);
            if (!isFloating(v.dtype))
                throw Error(v.file, "tensor " + name + " is not a float tensor");
            shards.add(name, DType::F16, v.shape, toF16(v));
        }
        for (std::size_t i = 0; i < tensors.size(); ++i) {
            const QuantizedModuleInfo &m = run.modules()[i];
            const QuantizedTensor &q = tensors[i];
            reportProgress(progress, {"write gptq", step++, steps, m.stem});
            const kernels::GptqShape s{q.rows, q.cols, q.bits, q.groupSize > 0 ? q.groupSize : q.cols};
            std::vector<std::int32_t> qweight(std::size_t(s.qweightWords())), qzeros(std::size_t(s.qzerosWords()));
            std::vector<kernels::fp16_t> scales(std::size_t(s.groups() * s.rows));
            kernels::gptqPackWeights(s, q.codes.data(), qweight.data());
            if (v2) { // the zero itself: packZeros stores (z - 1) mod 2^b, so hand it z + 1
                std::vector<std::uint8_t> shifted(q.zeros.size());
                for (std::size_t k = 0; k < shifted.size(); ++k)
                    shifted[k] = std::uint8_t((q.zeros[k] + 1) & q.maxq());
                kernels::gptqPackZeros(s, shifted.data(), qzeros.data());
            } else {
                kernels::gptqPackZeros(s, q.zeros.data(), qzeros.data());
            }
            kernels::gptqPackScales(s, q.scales.data(), scales.data());
            shards.add(m.stem + ".qweight", DType::I32, {s.qweightRows(), s.rows}, bytesOf(qweight));
            shards.add(m.stem + ".qzeros", DType::I32, {s.groups(), s.qzerosCols()}, bytesOf(qzeros));
            shards.add(m.stem + ".scales", DType::F16, {s.groups(), s.rows}, bytesOf(scales));
            shards.add(m.stem + ".g_idx", DType::I32, {s.cols}, bytesOf(q.gIdx));
        }
        shards.finish();
    });
    r.dir = target.string();
    for (const auto &e : fs::directory_iterator(target)) {
        r.files.push_back(e.path().filename().string());
        r.bytes += e.file_size();
    }
    std::sort(r.files.begin(), r.files.end());
    return r;
}

} // namespace lieq
