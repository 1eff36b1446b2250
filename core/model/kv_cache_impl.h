#pragma once
// Internal (torch) header.

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace lieq {

// Keys and values of the tokens seen so far, per layer: [B, kvHeads, length, headDim].
// `length` is advanced by the decoder once a forward over all layers has appended to it.
struct KvCache
{
    std::vector<torch::Tensor> keys;
    std::vector<torch::Tensor> values;
    std::int64_t length = 0;

    explicit KvCache(std::size_t layers = 0) : keys(layers), values(layers) {}
    void clear()
    {
        for (auto &t : keys)
            t = torch::Tensor();
        for (auto &t : values)
            t = torch::Tensor();
        length = 0;
    }
};

} // namespace lieq
