#include "tests/support/testutil.h"

#include <cstdlib>
#include <filesystem>

namespace lieq::test {

namespace fs = std::filesystem;

std::string sourceDir() { return LIEQ_SOURCE_DIR; }

std::string sharedDir()
{
    if (const char *env = std::getenv("LIEQ_SHARED_DIR"); env && fs::is_directory(env))
        return fs::weakly_canonical(env).string();
    const fs::path p = fs::path(LIEQ_SOURCE_DIR) / ".." / "shared";
    return fs::is_directory(p) ? fs::weakly_canonical(p).string() : std::string();
}

std::string sharedPath(const std::string &relative)
{
    const std::string base = sharedDir();
    if (base.empty())
        return {};
    const fs::path p = fs::path(base) / relative;
    return fs::exists(p) ? p.string() : std::string();
}

std::string buildDir()
{
    if (const char *env = std::getenv("LIEQ_BUILD_DIR"))
        return env;
    return fs::current_path().string();
}

std::string nodeDir()
{
    fs::path p;
    if (const char *env = std::getenv("LIEQ_NODE_DIR"))
        p = env;
    else
        p = fs::path(LIEQ_SOURCE_DIR) / "tests" / "node";
    return fs::is_directory(p / "node_modules") ? p.string() : std::string();
}

} // namespace lieq::test
