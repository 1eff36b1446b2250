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
// `onStep`, when given, is called before each of the two steps, so that a caller can record
// durably what a dead process would leave (a store row): Writing before the temporary is created
// (a death then leaves at most a partial temporary: removeFolderTemporary), Placing once it is
// complete and before the first rename (a death then needs undoFolderAtomic).
enum class FolderStep { Writing, Placing };
void writeFolderAtomic(const std::filesystem::path &target,
                       const std::function<void(const std::filesystem::path &tmp)> &fill,
                       const std::function<void(FolderStep)> &onStep = {});

// Removes the temporary that writeFolderAtomic(target) of process `pid` was writing when it died
// during its Writing step; `target` is untouched.
void removeFolderTemporary(const std::filesystem::path &target, long pid);

// Undoes what writeFolderAtomic(target) of process `pid` left when that process stopped after its
// Placing step (a kill, or a failure of the caller's later work). The new folder was complete
// by then; wherever it is (the temporary, or `target` if it got there) it is renamed to `aside`, so
// the work is kept, not deleted. A folder it replaced is put back under `target` if it had not
// been removed yet. Idempotent: every step is one rename, and a second run after a partial one
// (another kill) ends in the same state. Returns true when `aside` holds the new folder. Throws
// std::filesystem::filesystem_error when a rename fails.
bool undoFolderAtomic(const std::filesystem::path &target, long pid, const std::filesystem::path &aside);

} // namespace lieq
