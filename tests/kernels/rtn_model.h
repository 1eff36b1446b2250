#pragma once

#include <memory>
#include <string>
#include <vector>

namespace lieq {
class Model;
}

// Round-to-nearest quantized models for the kernel tests and benchmarks, without the pipeline:
// every linear of layer l becomes a QuantizedLinear (RTN, asymmetric, groups of `groupSize`) at
// bitsPerLayer[l] bits (16: left as it is).
namespace lieq::test {

void quantizeLinearsRtn(Model &model, const std::vector<int> &bitsPerLayer, int groupSize);

// Loads `dir`, quantizes it as above and writes a quantized checkpoint folder to `out`.
void writeRtnCheckpoint(const std::string &dir, const std::string &out,
                        const std::vector<int> &bitsPerLayer, int groupSize);

} // namespace lieq::test
