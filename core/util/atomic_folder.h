#pragma once

#include <filesystem>
#include <functional>

namespace lieq {

// Builds a folder as a whole: `fill` writes it under a temporary name beside `target`
// (target + ".tmp-PID", parent folders created), then it is renamed to `target`. An existing
// `target` -- the caller has checked that it may go -- is renamed aside and removed only once the
// new folder is in place. When `fill` or a rename throws, the temporary is removed, `target` is
// as it was, and the exception goes on.
void writeFolderAtomic(const std::filesystem::path &target,
                       const std::function<void(const std::filesystem::path &tmp)> &fill);

} // namespace lieq
