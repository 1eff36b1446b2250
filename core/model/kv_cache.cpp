#include "core/model/kv_cache_impl.h"

#include <algorithm>

namespace lieq {

namespace {

// Positions a new store holds: twice what is needed, at least 64, so that a generation of n
// tokens copies the cache O(log n) times instead of once per token.
std::int64_t capacityFor(std::int64_t needed) { return std::max<std::int64_t>(64, 2 * needed); }

// Whether `view` is the prefix of `store` that appendToCache returned (same batch and strides),
// not a tensor a caller put in its place.
bool isPrefixOf(const torch::Tensor &view, const torch::Tensor &store)
{
    return view.data_ptr() == store.data_ptr() && view.dim() == 4 &&
           view.sizes().slice(0, 2) == store.sizes().slice(0, 2) && view.size(3) == store.size(3) &&
           view.strides() == store.strides() && view.dtype() == store.dtype() &&
           view.device() == store.device();
}

} // namespace

torch::Tensor reserveInCache(torch::Tensor &store, const torch::Tensor &view,
                             torch::IntArrayRef rows, const torch::TensorOptions &options)
{
    const std::int64_t past = view.defined() ? view.size(2) : 0, T = rows[2];
    const std::int64_t needed = past + T;
    const bool fits = store.defined() && (!view.defined() ? past == 0 : isPrefixOf(view, store)) &&
                      store.size(0) == rows[0] && store.size(1) == rows[1] &&
                      store.size(3) == rows[3] && store.dtype() == options.dtype() &&
                      store.device() == options.device() && store.size(2) >= needed;
    if (!fits) {
        torch::Tensor grown =
            torch::empty({rows[0], rows[1], capacityFor(needed), rows[3]}, options);
        if (past > 0)
            grown.narrow(2, 0, past).copy_(view);
        store = grown;
    }
    return store.narrow(2, 0, needed);
}

torch::Tensor appendToCache(torch::Tensor &store, const torch::Tensor &view, const torch::Tensor &rows)
{
    const std::int64_t past = view.defined() ? view.size(2) : 0;
    torch::Tensor all = reserveInCache(store, view, rows.sizes(), rows.options());
    store.narrow(2, past, rows.size(2)).copy_(rows);
    return all;
}

} // namespace lieq
