#include "core/util/thread_environment.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace lieq {

namespace {

struct Setting
{
    const char *name;
    const char *value;
};

constexpr Setting kSettings[] = {
    {"OMP_NUM_THREADS", "1"},      {"OMP_WAIT_POLICY", "PASSIVE"}, {"GOMP_SPINCOUNT", "0"},
    {"OPENBLAS_NUM_THREADS", "1"}, {"MKL_NUM_THREADS", "1"},
};

constexpr const char *kMarker = "LIEQ_THREAD_ENV";

bool allSet()
{
    for (const Setting &s : kSettings)
        if (!std::getenv(s.name))
            return false;
    return true;
}

} // namespace

void ensureThreadEnvironment(char **argv)
{
    const char *marker = std::getenv(kMarker);
    if (marker && (!std::strcmp(marker, "0") || !std::strcmp(marker, "applied")))
        return; // disabled, or this is the re-executed process
    if (allSet())
        return;
    for (const Setting &s : kSettings)
        ::setenv(s.name, s.value, /*overwrite=*/0);
    ::setenv(kMarker, "applied", 1);
    ::execv("/proc/self/exe", argv);
    // execv failed (no /proc): carry on; the runtime settings in setComputeThreads still hold
    // both libraries at one thread, only OpenBLAS's idle threads remain.
}

} // namespace lieq
