#include "tests/kernels/rtn_model.h"

#include "core/model/decoder_impl.h"
#include "core/model/model.h"
#include "core/quant/pipeline_checkpoint.h"
#include "core/quant/quantized_linear_impl.h"
#include "core/quant/rtn.h"

namespace lieq::test {

void quantizeLinearsRtn(Model &model, const std::vector<int> &bitsPerLayer, int groupSize)
{
    torch::NoGradGuard noGrad;
    Decoder &dec = model.decoder();
    for (int l = 0; l < dec.numLayers(); ++l) {
        const int bits = bitsPerLayer.at(std::size_t(l));
        if (bits >= 16)
            continue;
        auto layer = dec.acquireLayer(l);
        for (Projection p : kAllProjections) {
            const torch::Tensor w = layer->linear(p).denseWeight().contiguous();
            const QuantizedTensor q = quantizeRtn(MatrixView{w.data_ptr<float>(), w.size(0), w.size(1)},
                                                  QuantConfig{bits, groupSize, false});
            dec.setLinear(l, p, std::make_shared<QuantizedLinear>(q, layer->linear(p).bias()));
        }
        dec.releaseLayer(l);
    }
}

void writeRtnCheckpoint(const std::string &dir, const std::string &out,
                        const std::vector<int> &bitsPerLayer, int groupSize)
{
    ModelOptions options;
    options.residentBudgetBytes = 0; // stream: one layer's fp32 copy at a time
    auto model = Model::load(dir, options);
    quantizeLinearsRtn(*model, bitsPerLayer, groupSize);
    PipelineSettings settings;
    settings.method = QuantMethod::Rtn;
    settings.groupSize = groupSize;
    saveQuantizedCheckpoint(*model, alloc::BitPlan{}, settings, out);
}

} // namespace lieq::test
