#pragma once

#include <cstdint>
#include <string>

namespace lieq {

// How a Model is loaded and run.
struct ModelOptions
{
    // "auto" (CUDA when libtorch has it and a GPU is present, else CPU), "cpu" or "cuda".
    std::string device = "auto";
    // The fp32 copies of all weights are kept for the model's lifetime when they fit this many
    // bytes; otherwise layers are streamed: converted when needed, dropped after, and their
    // mmap pages released. -1 = automatic (40% of physical memory); 0 = always stream.
    std::int64_t residentBudgetBytes = -1;
    // Rows of the attention score matrix computed at once (bounds memory for long windows).
    std::int64_t attentionQueryChunk = 256;
};

} // namespace lieq
