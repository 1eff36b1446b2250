#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace lieq {

// One step of a long operation. `done` of `total` units in the current stage.
struct Progress
{
    std::string stage;  // e.g. "perplexity", "layer 3/28 q_proj"
    int64_t done = 0;
    int64_t total = 0;
    std::string detail; // free text for logs
};

// Long operations call this regularly; returning false asks them to stop. They then throw
// lieq::Cancelled after releasing what they hold, leaving nothing half-written.
using ProgressFn = std::function<bool(const Progress &)>;

// Calls fn (if set) and throws Cancelled when it returns false.
void reportProgress(const ProgressFn &fn, const Progress &p);

} // namespace lieq
