#pragma once

#include "core/export/checkpoint_folder.h"
#include "core/quant/quantized_tensor.h"

#include <memory>
#include <string>
#include <vector>

namespace lieq {

// One quantized linear of a quantization run's checkpoint folder.
struct QuantizedModuleInfo
{
    std::string stem;        // "model.layers.3.self_attn.q_proj"
    int layer = 0;
    std::string projection;  // "q", "k", ..., "down"
    int bits = 0;
    std::int64_t rows = 0, cols = 0;
    int groupSize = 0;
    bool symmetric = false;
    bool actOrder = false;
};

// Reads the folder `lieq quantize --out DIR` wrote (quantization_config.json, format
// "lieq-quantized" version 1 or 2) without the model runtime: the float tensors through
// Checkpoint, each quantized linear back as the exact QuantizedTensor the run produced.
// Exporters (GGUF, GPTQ) start from here. Errors name the file and the module.
class QuantizedRunReader : public CheckpointFolder
{
public:
    explicit QuantizedRunReader(const std::string &dir);

    const std::vector<QuantizedModuleInfo> &modules() const { return m_modules; }
    const QuantizedModuleInfo *module(const std::string &stem) const;
    // Unpacked and validated.
    QuantizedTensor tensor(const QuantizedModuleInfo &m) const;

    const std::string &method() const { return m_method; }       // "rtn", "gptq", "awq"
    const std::string &settingsJson() const { return m_settings; }
    const std::string &planJson() const { return m_plan; }
    const std::string &sourceModel() const { return m_sourceModel; }
    int formatVersion() const { return m_formatVersion; } // 1: U8 row codes; 2: GPTQ v1 tensors

private:
    std::vector<QuantizedModuleInfo> m_modules;
    std::string m_method, m_settings, m_plan, m_sourceModel;
    int m_formatVersion = 0;
};

// Whether `dir` holds a quantized run checkpoint (quantization_config.json).
bool isQuantizedRunFolder(const std::string &dir);

} // namespace lieq
