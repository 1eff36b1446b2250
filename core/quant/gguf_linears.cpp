#include "core/quant/gguf_linears.h"

#include "core/io/gguf_model_builder.h"
#include "core/io/gguf_reader.h"
#include "core/io/model_config.h"
#include "core/io/projection.h"
#include "core/model/decoder_impl.h"
#include "core/model/model.h"
#include "core/quant/quantized_linear_impl.h"
#include "core/util/error.h"

#include <cstring>

namespace lieq {

namespace {

const char *ggufStem(Projection p)
{
    switch (p) {
    case Projection::Q: return "attn_q";
    case Projection::K: return "attn_k";
    case Projection::V: return "attn_v";
    case Projection::O: return "attn_output";
    case Projection::Gate: return "ffn_gate";
    case Projection::Up: return "ffn_up";
    case Projection::Down: return "ffn_down";
    }
    return "";
}

// Rows of a row-major matrix taken back from llama.cpp's q/k order (`src[d]` is the HF row
// that GGUF row d came from).
std::shared_ptr<std::vector<std::uint8_t>> unpermuteRows(const std::byte *data, std::int64_t rows,
                                                         std::int64_t rowBytes,
                                                         const std::vector<std::int64_t> &src)
{
    auto out = std::make_shared<std::vector<std::uint8_t>>(static_cast<std::size_t>(rows * rowBytes));
    for (std::int64_t d = 0; d < rows; ++d)
        std::memcpy(out->data() + src[std::size_t(d)] * rowBytes, data + d * rowBytes,
                    static_cast<std::size_t>(rowBytes));
    return out;
}

} // namespace

int useGgufLinears(Model &model, const std::string &ggufPath)
{
    auto file = std::make_shared<const GgufReader>(ggufPath);
    Decoder &dec = model.decoder();
    const ModelConfig &config = dec.config();
    const bool llamaRope = file->has("general.architecture") &&
                           file->value("general.architecture").asString() == "llama";
    int replaced = 0;
    for (int l = 0; l < dec.numLayers(); ++l) {
        for (Projection p : kAllProjections) {
            const std::string name = "blk." + std::to_string(l) + "." + ggufStem(p) + ".weight";
            const GgufReader::TensorInfo &t = file->tensor(name); // throws naming the tensor
            const ProjectionShape shape = projectionShape(config, p);
            const std::vector<std::int64_t> expected{shape.rows, shape.cols};
            if (t.shape != expected)
                throw Error(ggufPath, "tensor '" + name + "' has another shape than " +
                                          std::string(projectionModuleName(p)) + " of the model (" +
                                          std::to_string(shape.rows) + "x" + std::to_string(shape.cols) + ")");
            const auto type = kernels::typeFromGgml(static_cast<int>(t.type));
            if (!type || kernels::typeTraits(*type).gptqColumns || *type == kernels::QuantType::Q8_K)
                throw Error(ggufPath, "tensor '" + name + "': ggml type " + std::to_string(t.type) +
                                          " is not one the kernels run");
            kernels::WeightView view{*type, shape.rows, shape.cols, t.data, {}};
            std::shared_ptr<const void> keeper = file;
            if (llamaRope && (p == Projection::Q || p == Projection::K)) {
                auto rows = unpermuteRows(t.data, shape.rows, kernels::rowBytes(*type, shape.cols),
                                          llamaQkRowOrder(shape.rows, config.headDim));
                view.data = rows->data();
                keeper = rows;
            }
            torch::Tensor bias;
            const std::string biasName = "blk." + std::to_string(l) + "." + ggufStem(p) + ".bias";
            for (const auto &info : file->tensors())
                if (info.name == biasName)
                    bias = torch::from_blob(file->tensorAsFloat(biasName).data(), {shape.rows},
                                            torch::kFloat32).clone();
            if (bias.defined() && llamaRope && (p == Projection::Q || p == Projection::K)) {
                const auto src = llamaQkRowOrder(shape.rows, config.headDim);
                torch::Tensor hf = torch::empty_like(bias);
                for (std::int64_t d = 0; d < shape.rows; ++d)
                    hf[src[std::size_t(d)]] = bias[d];
                bias = hf;
            }
            try {
                dec.setLinear(l, p, std::make_shared<QuantizedLinear>(view, keeper, bias));
            } catch (const Error &e) {
                throw Error(ggufPath, "tensor '" + name + "': " + e.what());
            }
            ++replaced;
        }
    }
    return replaced;
}

std::unique_ptr<Model> loadModelWithGgufLinears(const std::string &modelDir,
                                                const std::string &ggufPath,
                                                const ModelOptions &options)
{
    auto model = Model::load(modelDir, options);
    useGgufLinears(*model, ggufPath);
    return model;
}

} // namespace lieq
