#pragma once

#include <filesystem>
#include <functional>

namespace lieq {

// Builds a folder as a whole: `fill` writes it under a temporary name beside `target`
// (target + ".tmp-PID", parent folders created), then it is renamed to `target`. An existing
// `target` -- the caller has checked that it may go -- is renamed aside (".old-PID") and, once
// the new folder is in place, renamed to ".del-PID" and removed. When `fill` or a rename throws,
// the temporary is removed, `target` is as it was, and the exception goes on.
//
// `beforePlace`, when given, runs once the temporary is complete and before the first rename, so
// that a caller can record durably that `target` is about to change (a store row). If the
// process then dies before the caller's own work is done, undoFolderAtomic puts things back.
void writeFolderAtomic(const std::filesystem::path &target,
                       const std::function<void(const std::filesystem::path &tmp)> &fill,
                       const std::function<void()> &beforePlace = {});

// Undoes what writeFolderAtomic(target) of process `pid` left when that process stopped after its
// `beforePlace` step (a kill, or a failure of the caller's later work). The new folder was complete
// by then; wherever it is (the temporary, or `target` if it got there) it is renamed to `aside`, so
// the work is kept, not deleted. A folder it replaced is put back under `target` if it had not
// been removed yet. Idempotent: every step is one rename, and a second run after a partial one
// (another kill) ends in the same state. Returns true when `aside` holds the new folder. Throws
// std::filesystem::filesystem_error when a rename fails.
bool undoFolderAtomic(const std::filesystem::path &target, long pid, const std::filesystem::path &aside);

} // namespace lieq
