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
    bool ymmSaved = false, zmmSaved = false;
    if (osxsave && avx) {
        unsigned lo, hi;
        __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        ymmSaved = (lo & 0x6) == 0x6;   // XMM and YMM state enabled by the OS
        zmmSaved = (lo & 0xe6) == 0xe6; // and opmask, ZMM0-15 upper halves, ZMM16-31
    }
    if (ymmSaved && __get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        f.avx2 = b & (1u << 5);
        f.avx512vl = zmmSaved && (b & (1u << 16)) && (b & (1u << 31)); // AVX512F and VL
        f.avx512vnni = zmmSaved && (c & (1u << 11));
        f.avx512bw = zmmSaved && (b & (1u << 30));
        f.avx512vbmi = zmmSaved && (c & (1u << 1));
        f.gfni = c & (1u << 8); // the 256-bit forms need only AVX (ymmSaved)
    }
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
        Backend cap = Backend::Vnni;
        if (env && std::strcmp(env, "scalar") == 0)
            cap = Backend::Scalar;
        else if (env && std::strcmp(env, "avx2") == 0)
            cap = Backend::Avx2;
        return availableBackend(cap);
    }();
    return b;
}

Backend availableBackend(Backend b)
{
    if (b == Backend::Auto)
        return defaultBackend();
    if (b == Backend::Vnni && !cpuFeatures().x86Vnni())
        b = Backend::Avx2;
    if (b == Backend::Avx2 && !cpuFeatures().x86Avx2())
        b = Backend::Scalar;
    return b;
}

const char *backendName(Backend b)
{
    switch (b) {
    case Backend::Scalar: return "scalar";
    case Backend::Avx2: return "avx2";
    case Backend::Vnni: return "vnni";
    default: return "auto";
    }
}

} // namespace lieq::kernels
