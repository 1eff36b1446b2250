#include "ui/layerspecs.h"

#include <cmath>

namespace lieq::ui {

std::vector<alloc::LayerSpec> layerSpecsFromConfig(const ModelConfig &c, const std::vector<double> &scores)
{
    const std::int64_t qOut = c.numHeads * c.headDim;
    const std::int64_t kvOut = c.numKvHeads * c.headDim;
    // rows = out_features, cols = in_features, as the checkpoint stores them.
    const std::vector<alloc::LinearShape> linears = {
        {"q_proj", qOut, c.hiddenSize},
        {"k_proj", kvOut, c.hiddenSize},
        {"v_proj", kvOut, c.hiddenSize},
        {"o_proj", c.hiddenSize, qOut},
        {"gate_proj", c.intermediateSize, c.hiddenSize},
        {"up_proj", c.intermediateSize, c.hiddenSize},
        {"down_proj", c.hiddenSize, c.intermediateSize},
    };
    std::int64_t params = 0;
    for (const auto &l : linears)
        params += l.params();
    std::vector<alloc::LayerSpec> out(std::size_t(c.numLayers));
    for (std::size_t i = 0; i < out.size(); ++i) {
        out[i].index = int(i);
        const double s = i < scores.size() ? scores[i] : 0.0;
        out[i].score = std::isfinite(s) ? s : 0.0;
        out[i].params = params;
        out[i].linears = linears;
    }
    return out;
}

} // namespace lieq::ui
