// Fuzz target: config.json text. Parsing fails with a lieq::Error naming the file or gives a
// configuration whose sizes are positive and consistent, so the size arithmetic a loader does
// next (parameters per layer and in total) cannot overflow.
#include "core/io/model_config.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    static const std::string file = "/models/fuzz/config.json";
    const std::string text(reinterpret_cast<const char *>(data), size);
    lieq::fuzz::expectCleanError(file, [&] {
        const lieq::ModelConfig c = lieq::ModelConfig::fromJson(text, file);
        if (c.vocabSize <= 0 || c.hiddenSize <= 0 || c.numLayers <= 0 || c.numHeads <= 0 ||
            c.numKvHeads <= 0 || c.headDim <= 0 || c.intermediateSize <= 0)
            lieq::fuzz::finding("accepted a non-positive size");
        if (c.numHeads % c.numKvHeads != 0 || c.headDim % 2 != 0)
            lieq::fuzz::finding("accepted inconsistent heads");
        (void)c.decoderLinearParams();
        (void)c.architectureName();
    });
    return 0;
}
