// `lieq`: command-line entry. Dispatches to the registered subcommands (cmd_*.cpp).
#include "app/cli/command.h"
#include "core/util/error.h"
#include "core/util/thread_environment.h"
#include "lieq_version.h"

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {
void printUsage()
{
    std::printf("LieQ Workbench %s (%s): layer-wise mixed-precision quantization\n\n",
                LIEQ_VERSION, LIEQ_GIT_HASH);
    std::printf("usage: lieq COMMAND [ARGS...]   (lieq COMMAND --help for its options)\n\n");
    for (const auto &c : lieq::cli::commands())
        std::printf("  %-12s %s\n", c.name.c_str(), c.summary.c_str());
}
} // namespace

// Commands that run the engine restart once with the thread settings libtorch's OpenMP and
// OpenBLAS read at start (core/util/thread_environment.h); reading files, the store or help
// text needs no restart (it costs one more load of libtorch, about half a second).
bool runsEngine(int argc, char **argv)
{
    static const char *const light[] = {"info", "runs", "tokenize", "allocate", "--help", "-h",
                                        "--version"};
    if (argc < 2)
        return false;
    for (const char *name : light)
        if (!std::strcmp(argv[1], name))
            return false;
    for (int i = 2; i < argc; ++i)
        if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h"))
            return false;
    return true;
}

int main(int argc, char **argv)
{
    if (runsEngine(argc, argv))
        lieq::ensureThreadEnvironment(argv);
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
        printUsage();
        return argc < 2 ? 2 : 0;
    }
    if (!std::strcmp(argv[1], "--version")) {
        std::printf("lieq %s (git %s)\n", LIEQ_VERSION, LIEQ_GIT_HASH);
        return 0;
    }
    const std::string name = argv[1];
    std::vector<std::string> args(argv + 2, argv + argc);
    for (const auto &c : lieq::cli::commands()) {
        if (c.name != name)
            continue;
        try {
            return c.run(args);
        } catch (const lieq::Cancelled &) {
            std::fprintf(stderr, "lieq %s: cancelled\n", name.c_str());
            return 130;
        } catch (const lieq::Error &e) {
            std::fprintf(stderr, "error: %s\n", e.what());
            return 1;
        } catch (const std::exception &e) {
            std::fprintf(stderr, "error: %s\n", e.what());
            return 1;
        }
    }
    std::fprintf(stderr, "lieq: unknown command '%s'\n\n", name.c_str());
    printUsage();
    return 2;
}
