#include "core/util/demo_model.h"

#include <cstdlib>
#include <system_error>

#ifndef LIEQ_SOURCE_DIR
#error "lieq_util needs LIEQ_SOURCE_DIR (core/util/CMakeLists.txt defines it)"
#endif

namespace lieq {

namespace fs = std::filesystem;

namespace {

fs::path executableDir()
{
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path() : exe.parent_path();
}

} // namespace

std::vector<fs::path> demoModelCandidates()
{
    std::vector<fs::path> out;
    if (const char *env = std::getenv("LIEQ_DEMO_MODEL"); env && *env)
        out.emplace_back(env);
    if (const fs::path exe = executableDir(); !exe.empty())
        out.push_back(exe / ".." / "share" / "lieq-workbench" / "demo-model");
    out.push_back(fs::path(LIEQ_SOURCE_DIR) / "resources" / "demo-model");
    return out;
}

fs::path findDemoModel()
{
    for (const fs::path &c : demoModelCandidates()) {
        std::error_code ec;
        if (fs::is_regular_file(c / "config.json", ec)) {
            const fs::path canonical = fs::weakly_canonical(c, ec);
            return ec ? c : canonical;
        }
    }
    return {};
}

} // namespace lieq
