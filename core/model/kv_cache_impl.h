#pragma once
// Internal (torch) header.

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace lieq {

// Keys and values of the tokens seen so far, per layer: [B, kvHeads, length, headDim].
// `length` is advanced by the decoder once a forward over all layers has appended to it.
// keys/values are views of the first `length` positions of storage with spare capacity
// (keyStore/valueStore, grown by doubling), so that a decode step writes its own row instead
// of copying the whole cache; a caller may replace a view by any tensor of the same shape
// (e.g. a batch expand), which the next append copies into fresh storage. A copy of a KvCache
// shares its storage: append through one of them only.
struct KvCache
{
    std::vector<torch::Tensor> keys;
    std::vector<torch::Tensor> values;
    std::vector<torch::Tensor> keyStore;
    std::vector<torch::Tensor> valueStore;
    std::int64_t length = 0;

    explicit KvCache(std::size_t layers = 0)
        : keys(layers), values(layers), keyStore(layers), valueStore(layers)
    {
    }
    void clear()
    {
        for (auto *list : {&keys, &values, &keyStore, &valueStore})
            for (auto &t : *list)
                t = torch::Tensor();
        length = 0;
    }
};

// Appends `rows` ([B, kvHeads, T, headDim]) after the `past` positions of `view` (undefined when
// empty), writing into `store` when it has room and `view` is its prefix, else into new storage
// of twice the length; returns the view of all past + T positions.
torch::Tensor appendToCache(torch::Tensor &store, const torch::Tensor &view, const torch::Tensor &rows);

// appendToCache without the copy: makes room for rows of shape `rows` ([B, kvHeads, T,
// headDim], of `options`) after `view` and returns the view of all past + T positions, whose
// last T positions the caller then writes (the decode step writes its rows in place).
torch::Tensor reserveInCache(torch::Tensor &store, const torch::Tensor &view,
                             torch::IntArrayRef rows, const torch::TensorOptions &options);

} // namespace lieq
