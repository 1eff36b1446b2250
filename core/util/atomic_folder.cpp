#include "core/util/atomic_folder.h"

#include <string>
#include <unistd.h>

namespace lieq {

namespace fs = std::filesystem;

void writeFolderAtomic(const fs::path &target, const std::function<void(const fs::path &tmp)> &fill)
{
    const std::string pid = std::to_string(::getpid());
    const fs::path tmp = target.string() + ".tmp-" + pid;
    std::error_code ec;
    fs::remove_all(tmp, ec); // left by an earlier process with this id
    try {
        fs::create_directories(tmp);
        fill(tmp);
        if (fs::exists(target)) {
            const fs::path old = target.string() + ".old-" + pid;
            fs::rename(target, old);
            fs::rename(tmp, target);
            fs::remove_all(old, ec);
        } else {
            fs::rename(tmp, target);
        }
    } catch (...) {
        fs::remove_all(tmp, ec);
        throw;
    }
}

} // namespace lieq
