#pragma once

#include "core/export/checkpoint_folder.h"
#include "core/quant/quantized_tensor.h"

#include <memory>
#include <string>
#include <vector>

namespace lieq {

// Reads a GPTQ checkpoint (config.json quantization_config with quant_method "gptq", sharded
// safetensors with qweight/qzeros/scales/g_idx per quantized linear) back into the exact
// QuantizedTensor each module holds, v1 (zero - 1 stored) or v2 (checkpoint_format gptq_v2).
// Each module's bit-width comes from its tensor shapes and must agree with what the config
// (bits and the `dynamic` patterns) says for it. Errors name the file and the module.
class GptqCheckpointReader : public CheckpointFolder
{
public:
    explicit GptqCheckpointReader(const std::string &dir);

    const std::vector<std::string> &modules() const { return m_modules; } // stems, file order
    QuantizedTensor tensor(const std::string &stem) const;
    bool v2() const { return m_v2; }
    int configBits(const std::string &stem) const; // from bits + dynamic; 16 when excluded

    // This project's quantized checkpoint folder (format 2) of the same weights, so its runtime
    // runs them: v1 tensors are copied byte for byte, v2 zero points repacked as v1.
    void writeRunnableCopy(const std::string &outDir) const;

private:
    std::vector<std::string> m_modules;
    int m_bits = 4, m_groupSize = -1;
    bool m_sym = false, m_descAct = false, m_v2 = false;
    std::vector<std::pair<std::string, int>> m_dynamic; // "+:re" / "-:re" -> bits (16 excluded)
};

} // namespace lieq
