#include "core/util/atomic_folder.h"

#include <string>
#include <unistd.h>

namespace lieq {

namespace fs = std::filesystem;

namespace {

fs::path sibling(const fs::path &target, const char *what, long pid)
{
    return target.string() + what + std::to_string(pid);
}

} // namespace

void writeFolderAtomic(const fs::path &target, const std::function<void(const fs::path &tmp)> &fill,
                       const std::function<void(FolderStep)> &onStep)
{
    const long pid = static_cast<long>(::getpid());
    const fs::path tmp = sibling(target, ".tmp-", pid);
    const fs::path old = sibling(target, ".old-", pid);
    std::error_code ec;
    fs::remove_all(tmp, ec); // left by an earlier process with this id
    try {
        if (onStep)
            onStep(FolderStep::Writing);
        fs::create_directories(tmp);
        fill(tmp);
        if (onStep)
            onStep(FolderStep::Placing);
        if (fs::exists(target)) {
            const fs::path del = sibling(target, ".del-", pid);
            fs::remove_all(old, ec);
            fs::remove_all(del, ec);
            fs::rename(target, old);
            fs::rename(tmp, target);
            // Renamed before removal, so that a folder under ".old-" is always whole.
            fs::rename(old, del, ec);
            fs::remove_all(ec ? old : del, ec);
        } else {
            fs::rename(tmp, target);
        }
    } catch (...) {
        fs::remove_all(tmp, ec);
        if (fs::exists(old, ec) && !fs::exists(target, ec))
            fs::rename(old, target, ec); // the second rename failed: put the first back
        throw;
    }
}

void removeFolderTemporary(const fs::path &target, long pid)
{
    fs::remove_all(sibling(target, ".tmp-", pid));
}

bool undoFolderAtomic(const fs::path &target, long pid, const fs::path &aside)
{
    const fs::path tmp = sibling(target, ".tmp-", pid);
    const fs::path old = sibling(target, ".old-", pid);
    std::error_code ec;
    // Each step is one rename whose result tells the next pass what was done: the complete new
    // folder leaves ".tmp-" or `target` only by becoming `aside`.
    if (fs::exists(tmp))
        fs::rename(tmp, aside); // complete, but it never reached target
    else if (!fs::exists(aside) && fs::exists(target))
        fs::rename(target, aside); // it had reached target
    if (fs::exists(old) && !fs::exists(target))
        fs::rename(old, target); // the folder it replaced, whole
    fs::remove_all(sibling(target, ".del-", pid), ec);
    return fs::exists(aside);
}

} // namespace lieq
