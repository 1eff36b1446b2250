#include "core/export/quantized_run_reader.h"

#include "core/io/checkpoint.h"
#include "core/quant/quant_config.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_text.h"
#include "kernels/gptq_pack.h"
#include "kernels/row_codes.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <filesystem>

namespace lieq {

namespace {

constexpr const char *kConfigFile = "quantization_config.json";

} // namespace

bool isQuantizedRunFolder(const std::string &dir)
{
    return std::filesystem::is_regular_file(std::filesystem::path(dir) / kConfigFile);
}

QuantizedRunReader::QuantizedRunReader(const std::string &dir) : CheckpointFolder(dir)
{
    const std::string cfgPath = (std::filesystem::path(dir) / kConfigFile).string();
    if (!std::filesystem::is_regular_file(cfgPath))
        throw Error(dir, "is not a quantized checkpoint (no quantization_config.json)");
    nlohmann::json cfg = parseJson(readFile(cfgPath), cfgPath, "is not valid JSON: ");
    if (!cfg.is_object() || cfg.value("format", "") != "lieq-quantized")
        throw Error(cfgPath, "is not a lieq quantized checkpoint (format \"lieq-quantized\" expected)");
    m_formatVersion = cfg.value("format_version", 0);
    if (m_formatVersion != 1 && m_formatVersion != 2)
        throw Error(cfgPath, "format_version " + cfg.value("format_version", nlohmann::json()).dump() +
                                 " is not supported by the exporters (they read 1 and 2)");
    try {
        m_method = cfg.value("quant_method", "");
        m_settings = cfg.value("settings", nlohmann::json::object()).dump();
        m_plan = cfg.value("plan", nlohmann::json::object()).dump();
        m_sourceModel = cfg.value("source_model", "");
        for (const auto &[stem, m] : cfg.at("modules").items()) {
            QuantizedModuleInfo q;
            q.stem = stem;
            q.layer = m.at("layer").get<int>();
            q.projection = m.at("projection").get<std::string>();
            q.bits = m.at("bits").get<int>();
            q.rows = m.at("rows").get<std::int64_t>();
            q.cols = m.at("cols").get<std::int64_t>();
            q.groupSize = m.at("group_size").get<int>();
            q.symmetric = m.at("sym").get<bool>();
            q.actOrder = m.value("act_order", false);
            m_modules.push_back(std::move(q));
        }
    } catch (const nlohmann::json::exception &e) {
        throw Error(cfgPath, std::string("is malformed: ") + e.what());
    }
    openShards();
}

const QuantizedModuleInfo *QuantizedRunReader::module(const std::string &stem) const
{
    for (const auto &m : m_modules)
        if (m.stem == stem)
            return &m;
    return nullptr;
}

QuantizedTensor QuantizedRunReader::tensor(const QuantizedModuleInfo &m) const
{
    const QuantConfig config{m.bits, m.groupSize, m.symmetric};
    QuantizedTensor q = allocateQuantizedTensor(m.rows, m.cols, config);
    const std::size_t cells = q.scales.size(); // rows x groups
    auto need = [&](const char *suffix, DType dtype,
                    std::vector<std::int64_t> shape) -> const TensorView & {
        const std::string name = m.stem + suffix;
        const TensorView &v = requiredTensor(name, "quantization_config.json");
        if (v.dtype != dtype || v.shape != shape)
            throw Error(v.file, "tensor " + name + " has the wrong dtype or shape for a " + std::to_string(m.bits) +
                                    "-bit " + std::to_string(m.rows) + "x" + std::to_string(m.cols) + " module");
        return v;
    };
    std::memcpy(q.gIdx.data(), need(".g_idx", DType::I32, {m.cols}).data, q.gIdx.size() * 4);
    if (m_formatVersion == 1) { // codes U8 along rows, F32 scales, U8 zeros (kernels/row_codes.h)
        const TensorView &codes = need(".qcodes", DType::U8, {m.rows, kernels::rowCodesBytes(m.cols, m.bits)});
        kernels::unpackRowCodes(reinterpret_cast<const std::uint8_t *>(codes.data), m.rows, m.cols, m.bits,
                                q.codes.data());
        std::memcpy(q.scales.data(), need(".scales", DType::F32, {m.rows, q.numGroups}).data, cells * 4);
        std::memcpy(q.zeros.data(), need(".qzeros", DType::U8, {m.rows, q.numGroups}).data, cells);
        if (m.actOrder) {
            q.perm.resize(static_cast<std::size_t>(m.cols));
            std::memcpy(q.perm.data(), need(".perm", DType::I32, {m.cols}).data, q.perm.size() * 4);
        }
    } else { // GPTQ v1 tensors (kernels/gptq_pack.h); copied out, the mapping may be unaligned
        const kernels::GptqShape s{m.rows, m.cols, m.bits, config.effectiveGroupSize(m.cols)};
        std::vector<std::int32_t> qweight(static_cast<std::size_t>(s.qweightWords()));
        std::vector<std::int32_t> qzeros(static_cast<std::size_t>(s.qzerosWords()));
        std::vector<kernels::fp16_t> scales(cells);
        std::memcpy(qweight.data(), need(".qweight", DType::I32, {s.qweightRows(), s.rows}).data, qweight.size() * 4);
        std::memcpy(qzeros.data(), need(".qzeros", DType::I32, {s.groups(), s.qzerosCols()}).data, qzeros.size() * 4);
        std::memcpy(scales.data(), need(".scales", DType::F16, {s.groups(), s.rows}).data, cells * 2);
        kernels::gptqUnpackWeights(s, qweight.data(), q.codes.data());
        kernels::gptqUnpackZeros(s, qzeros.data(), q.zeros.data());
        for (std::int64_t r = 0; r < m.rows; ++r)
            for (std::int64_t g = 0; g < q.numGroups; ++g)
                q.scales[std::size_t(r * q.numGroups + g)] = kernels::fp16ToFp32(scales[std::size_t(g * m.rows + r)]);
    }
    try {
        validateQuantizedTensor(q);
    } catch (const Error &e) {
        throw Error(m_dir, "module " + m.stem + ": " + e.what());
    }
    return q;
}

} // namespace lieq
