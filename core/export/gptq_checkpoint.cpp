#include "core/export/gptq_checkpoint.h"

#include "core/io/checkpoint.h"
#include "core/io/safetensors_shards.h"
#include "core/util/atomic_file.h"
#include "core/util/atomic_folder.h"
#include "core/util/error.h"
#include "kernels/gptq_pack.h"
#include "kernels/type_traits.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <filesystem>
#include <regex>

namespace lieq {

namespace fs = std::filesystem;

namespace {

std::vector<std::int32_t> words(const TensorView &v)
{
    std::vector<std::int32_t> w(v.nbytes / 4);
    std::memcpy(w.data(), v.data, w.size() * 4);
    return w;
}

} // namespace

GptqCheckpointReader::GptqCheckpointReader(const std::string &dir) : CheckpointFolder(dir)
{
    const std::string cfgPath = (fs::path(dir) / "config.json").string();
    nlohmann::json qc;
    try {
        qc = nlohmann::json::parse(readFile(cfgPath)).at("quantization_config");
        if (qc.value("quant_method", "") != "gptq")
            throw Error(cfgPath, "quantization_config.quant_method is not \"gptq\"");
        m_bits = qc.at("bits").get<int>();
        m_groupSize = qc.value("group_size", -1);
        m_sym = qc.value("sym", true);
        m_descAct = qc.value("desc_act", false);
        const std::string format = qc.value("checkpoint_format", "gptq");
        if (format != "gptq" && format != "gptq_v2")
            throw Error(cfgPath, "checkpoint_format \"" + format + "\" is not gptq or gptq_v2");
        m_v2 = format == "gptq_v2";
        if (qc.contains("dynamic"))
            for (const auto &[pattern, o] : qc.at("dynamic").items())
                m_dynamic.emplace_back(pattern, pattern.rfind("-:", 0) == 0 ? 16 : o.value("bits", m_bits));
    } catch (const nlohmann::json::exception &e) {
        throw Error(cfgPath, std::string("has no usable quantization_config: ") + e.what());
    }
    openShards();
    for (const std::string &n : checkpoint().tensorNames())
        if (n.size() > 8 && n.compare(n.size() - 8, 8, ".qweight") == 0)
            m_modules.push_back(n.substr(0, n.size() - 8));
}

int GptqCheckpointReader::configBits(const std::string &stem) const
{
    for (const auto &[pattern, bits] : m_dynamic) {
        const bool prefixed = pattern.rfind("+:", 0) == 0 || pattern.rfind("-:", 0) == 0;
        // re.match semantics: anchored at the start only.
        if (std::regex_search(stem, std::regex(prefixed ? pattern.substr(2) : pattern),
                              std::regex_constants::match_continuous))
            return bits;
    }
    return m_bits;
}

QuantizedTensor GptqCheckpointReader::tensor(const std::string &stem) const
{
    auto get = [&](const char *suffix, DType dtype) -> const TensorView & {
        const std::string name = stem + suffix;
        const TensorView &v = requiredTensor(name);
        if (v.dtype != dtype || v.shape.empty() || v.shape.size() > 2)
            throw Error(v.file, "tensor " + name + " has the wrong dtype or rank");
        return v;
    };
    const TensorView &qweight = get(".qweight", DType::I32), &qzeros = get(".qzeros", DType::I32);
    const TensorView &scales = get(".scales", DType::F16), &gIdx = get(".g_idx", DType::I32);
    QuantizedTensor q;
    q.cols = gIdx.shape[0];
    q.rows = qweight.shape.size() == 2 ? qweight.shape[1] : 0;
    const std::int64_t blocks = (q.cols + 31) / 32;
    q.bits = blocks > 0 && qweight.shape[0] % blocks == 0 ? int(qweight.shape[0] / blocks) : 0;
    if (!kernels::gptqType(q.bits))
        throw Error(qweight.file, "tensor " + stem + ".qweight: shape gives no GPTQ bit-width");
    if (configBits(stem) != q.bits)
        throw Error(m_dir, "module " + stem + " holds " + std::to_string(q.bits) + "-bit weights but the config "
                           "says " + std::to_string(configBits(stem)) + " bits for it");
    q.groupSize = m_groupSize;
    q.symmetric = m_sym;
    const kernels::GptqShape s{q.rows, q.cols, q.bits, m_groupSize > 0 ? m_groupSize : q.cols};
    q.numGroups = s.groups();
    if (qzeros.shape != std::vector<std::int64_t>{s.groups(), s.qzerosCols()} ||
        scales.shape != std::vector<std::int64_t>{s.groups(), s.rows})
        throw Error(qzeros.file, "module " + stem + ": qzeros or scales do not match its qweight and group size");
    const auto qw = words(qweight), qz = words(qzeros);
    q.codes.resize(std::size_t(q.rows * q.cols));
    q.zeros.resize(std::size_t(q.rows * q.numGroups));
    kernels::gptqUnpackWeights(s, qw.data(), q.codes.data());
    kernels::gptqUnpackZeros(s, qz.data(), q.zeros.data()); // (field + 1) mod 2^b
    if (m_v2) // v2 fields are the zeros themselves
        for (auto &z : q.zeros)
            z = std::uint8_t((z + q.maxq()) & q.maxq());
    std::vector<kernels::fp16_t> h(std::size_t(s.groups() * s.rows));
    std::memcpy(h.data(), scales.data, h.size() * 2);
    q.scales.resize(h.size());
    for (std::int64_t r = 0; r < q.rows; ++r)
        for (std::int64_t g = 0; g < q.numGroups; ++g)
            q.scales[std::size_t(r * q.numGroups + g)] = kernels::fp16ToFp32(h[std::size_t(g * q.rows + r)]);
    q.gIdx.resize(std::size_t(q.cols));
    std::memcpy(q.gIdx.data(), gIdx.data, q.gIdx.size() * 4);
    try {
        validateQuantizedTensor(q);
    } catch (const Error &e) {
        throw Error(m_dir, "module " + stem + ": " + e.what());
    }
    return q;
}

void GptqCheckpointReader::writeRunnableCopy(const std::string &outDir) const
{
    static const std::regex stemRe(R"(model\.layers\.(\d+)\.(self_attn|mlp)\.(\w+)_proj)");
    nlohmann::json modules = nlohmann::json::object();
    const fs::path target = fs::absolute(outDir).lexically_normal();
    if (fs::exists(target) && !(fs::is_directory(target) && fs::is_empty(target)))
        throw Error(target.string(), "exists; a runnable copy goes to a new or empty folder");
    writeFolderAtomic(target, [&](const fs::path &tmp) {
        for (const auto &e : fs::directory_iterator(m_dir)) {
            const std::string name = e.path().filename().string(), ext = e.path().extension().string();
            if (e.is_regular_file() && ext == ".json" && name != "model.safetensors.index.json")
                writeFileAtomic((tmp / name).string(), readFile(e.path().string()));
        }
        SafetensorsShardWriter out(tmp.string(), std::uint64_t(1) << 62);
        for (const std::string &name : checkpoint().tensorNames()) {
            const TensorView &v = checkpoint().tensor(name);
            std::vector<std::uint8_t> bytes(v.nbytes);
            std::memcpy(bytes.data(), v.data, v.nbytes);
            if (m_v2 && name.size() > 7 && name.compare(name.size() - 7, 7, ".qzeros") == 0) {
                const std::string stem = name.substr(0, name.size() - 7);
                const QuantizedTensor q = tensor(stem);
                const kernels::GptqShape s{q.rows, q.cols, q.bits, m_groupSize > 0 ? m_groupSize : q.cols};
                std::vector<std::int32_t> z(std::size_t(s.qzerosWords()));
                kernels::gptqPackZeros(s, q.zeros.data(), z.data());
                std::memcpy(bytes.data(), z.data(), bytes.size());
            }
            out.add(name, v.dtype, v.shape, std::move(bytes));
        }
        out.finish();
        for (const std::string &stem : m_modules) {
            std::smatch m;
            if (!std::regex_match(stem, m, stemRe))
                throw Error(m_dir, "module " + stem + " is not a decoder projection");
            const TensorView &g = checkpoint().tensor(stem + ".g_idx"), &w = checkpoint().tensor(stem + ".qweight");
            const std::int64_t cols = g.shape[0], rows = w.shape[1];
            const int bits = int(w.shape[0] / ((cols + 31) / 32));
            const std::int64_t gs = m_groupSize > 0 ? m_groupSize : cols;
            modules[stem] = {{"layer", std::stoi(m[1])}, {"projection", std::string(m[3])}, {"bits", bits},
                             {"rows", rows}, {"cols", cols}, {"group_size", m_groupSize},
                             {"num_groups", (cols + gs - 1) / gs}, {"sym", m_sym}, {"act_order", m_descAct}};
        }
        const nlohmann::json cfg{{"format", "lieq-quantized"}, {"format_version", 2}, {"quant_method", "gptq-import"},
                                 {"source_model", m_dir}, {"modules", modules}};
        writeFileAtomic((tmp / "quantization_config.json").string(), cfg.dump(2) + "\n");
    });
}

} // namespace lieq
