#pragma once

#include "tests/support/tiny_checkpoint.h"

#include <cstdint>
#include <string>

namespace lieq::bench {

// Writes a full-size HF folder for `spec` (config.json + one model.safetensors) tensor by
// tensor through lieq::AtomicFile, so a multi-GB checkpoint never sits in memory. Values are
// seeded uniform noise with the variance the tiny fixtures use (linears ~ 1/fan_in, norms ~ 1),
// enough for finite, representative activations. Returns the bytes written.
std::uint64_t writeLargeCheckpoint(const std::string &dir, const test::TinyModelSpec &spec);

// Peak resident set size of this process so far, in bytes (getrusage).
std::uint64_t peakRssBytes();
// Current resident set size (from /proc/self/statm), in bytes.
std::uint64_t currentRssBytes();

} // namespace lieq::bench
