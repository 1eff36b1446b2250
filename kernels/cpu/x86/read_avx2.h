#pragma once

#include <cstdint>

namespace lieq::kernels::x86 {

// Reads [p, p + bytes) with 256-bit loads (bytes a multiple of 128); returns a checksum so the
// loads cannot be optimised away.
std::uint64_t readAvx2(const void *p, std::int64_t bytes);

} // namespace lieq::kernels::x86
