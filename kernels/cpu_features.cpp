#include "kernels/cpu_features.h"

#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace lieq::kernels {

namespace {

CpuFeatures detect()
{
    CpuFeatures f;
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return f;
    const bool osxsave = c & (1u << 27);
    const bool avx = c & (1u << 28);
    f.fma = c & (1u << 12);
    f.f16c = c & (1u << 29);
    bool ymmSaved = false;
    if (osxsave && avx) {
        unsigned lo, hi;
        __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        ymmSaved = (lo & 0x6) == 0x6; // XMM and YMM state enabled by the OS
    }
    if (ymmSaved && __get_cpuid_count(7, 0, &a, &b, &c, &d))
        f.avx2 = b & (1u << 5);
    f.fma = f.fma && ymmSaved;
    f.f16c = f.f16c && ymmSaved;
#endif
    return f;
}

} // namespace

const CpuFeatures &cpuFeatures()
{
    static const CpuFeatures features = detect();
    return features;
}

Backend defaultBackend()
{
    static const Backend b = [] {
        const char *env = std::getenv("LIEQ_KERNELS");
        if (env && std::strcmp(env, "scalar") == 0)
            return Backend::Scalar;
        return cpuFeatures().x86Avx2() ? Backend::Avx2 : Backend::Scalar;
    }();
    return b;
}

const char *backendName(Backend b)
{
    switch (b) {
    case Backend::Scalar: return "scalar";
    case Backend::Avx2: return "avx2";
    default: return "auto";
    }
}

} // namespace lieq::kernels
