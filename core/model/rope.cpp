#include "core/model/rope.h"

#include "core/util/error.h"

#include <cmath>
#include <numbers>

namespace lieq {

std::vector<double> ropeInverseFrequencies(const ModelConfig &config)
{
    const std::int64_t dim = config.headDim;
    if (dim <= 0 || dim % 2 != 0)
        throw Error("rotary embedding needs an even head dimension, got " + std::to_string(dim));
    std::vector<double> inv(static_cast<std::size_t>(dim / 2));
    for (std::size_t i = 0; i < inv.size(); ++i)
        inv[i] = 1.0 / std::pow(config.ropeTheta, static_cast<double>(2 * i) / dim);

    const RopeScaling &s = config.ropeScaling;
    if (s.type.empty() || s.type == "default")
        return inv;
    if (s.type == "linear") {
        for (double &f : inv)
            f /= s.factor;
        return inv;
    }
    if (s.type == "llama3") {
        // Long wavelengths are slowed by `factor`, short ones kept, and the band between
        // low_freq_factor and high_freq_factor blended linearly in 1/wavelength.
        const double oldCtx = static_cast<double>(s.originalMaxPositionEmbeddings);
        const double lowWavelen = oldCtx / s.lowFreqFactor;
        const double highWavelen = oldCtx / s.highFreqFactor;
        for (double &f : inv) {
            const double wavelen = 2.0 * std::numbers::pi / f;
            if (wavelen < highWavelen)
                continue;
            if (wavelen > lowWavelen) {
                f /= s.factor;
                continue;
            }
            const double smooth =
                (oldCtx / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
            f = (1.0 - smooth) * f / s.factor + smooth * f;
        }
        return inv;
    }
    throw Error("unsupported rope_scaling type \"" + s.type + "\"");
}

} // namespace lieq
